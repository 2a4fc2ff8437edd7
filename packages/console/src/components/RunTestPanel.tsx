import { useEffect, useRef } from 'react';
import type { ApiError, TestRun } from '../api';
import { ErrorNotice } from './ErrorNotice';
import { TestResult } from './TestResult';

interface RunTestPanelProps {
  latest: TestRun | undefined;
  running: boolean;
  error: ApiError | undefined;
  onRun: () => void;
}

/** The Run test button and the newest result. */
export function RunTestPanel({ latest, running, error, onRun }: RunTestPanelProps) {
  const resultHeading = useRef<HTMLHeadingElement>(null);
  const wasRunning = useRef(false);

  // When a run ends, move focus to its result so keyboard and screen-reader users land on it.
  useEffect(() => {
    if (wasRunning.current && !running) resultHeading.current?.focus();
    wasRunning.current = running;
  }, [running]);

  return (
    <section className="panel" aria-labelledby="test-heading" aria-busy={running}>
      <div className="panel-heading">
        <h2 id="test-heading">Run test</h2>
        <button type="button" className="primary" onClick={onRun} disabled={running}>
          {running ? 'Testing…' : latest ? 'Re-run test' : 'Run test'}
        </button>
      </div>
      <p className="muted" role="status">
        {running
          ? 'Testing… tenantlink signs in to the tenant and tries each feature; this takes a few seconds.'
          : 'Signs in with the stored credential, tries each chosen feature against Microsoft Graph, and names every setup mistake with its fix.'}
      </p>
      {error && <ErrorNotice error={error} />}
      {latest && (
        <>
          <h3 className="result-heading" ref={resultHeading} tabIndex={-1}>
            Latest result
          </h3>
          <TestResult test={latest} />
        </>
      )}
    </section>
  );
}
