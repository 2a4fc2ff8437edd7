import type { Check, Finding, TestRun } from '../api';
import { plural } from '../display/format';
import { InlineText } from './InlineText';
import { RelativeTime } from './RelativeTime';

const CHECK_MARKS: Record<Check['status'], { mark: string; label: string }> = {
  pass: { mark: '✔', label: 'passed' },
  fail: { mark: '✘', label: 'failed' },
  skipped: { mark: '–', label: 'skipped' },
};

const SEVERITY_LABELS: Record<Finding['severity'], string> = { error: 'Error', warning: 'Warning', info: 'Info' };

export function testCounts(test: TestRun): string {
  const errors = test.findings.filter((f) => f.severity === 'error').length;
  const warnings = test.findings.filter((f) => f.severity === 'warning').length;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

interface TestResultProps {
  test: TestRun;
  /** Off where the outcome is already shown, as in a test history entry. */
  showSummary?: boolean;
}

/** One run of the test: every check, then every finding with its fix. */
export function TestResult({ test, showSummary = true }: TestResultProps) {
  return (
    <div className="test-result">
      {showSummary && (
        <p className="test-summary">
          <span className={`badge ${test.ok ? 'badge-ok' : 'badge-error'}`}>{test.ok ? 'Passed' : 'Failed'}</span>{' '}
          {testCounts(test)} · finished <RelativeTime iso={test.finishedAt} />
        </p>
      )}
      <h3>Checks</h3>
      {test.checks.length === 0 ? (
        <p className="muted">No checks ran.</p>
      ) : (
        <ul className="checks" aria-label="Checks">
          {test.checks.map((check) => (
            <li key={check.name} className={`check check-${check.status}`}>
              <span className="check-mark" aria-hidden="true">
                {CHECK_MARKS[check.status].mark}
              </span>{' '}
              {check.name}
              <span className="visually-hidden"> ({CHECK_MARKS[check.status].label})</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Findings</h3>
      {test.findings.length === 0 ? (
        <p className="muted">Nothing to fix.</p>
      ) : (
        // biome-ignore lint/a11y/noRedundantRoles: Safari drops list semantics when list-style is none; the role keeps them.
        <ul className="findings" role="list" aria-label="Findings">
          {test.findings.map((finding) => (
            <li
              key={`${finding.code}:${finding.feature}:${finding.message}`}
              className={`finding finding-${finding.severity}`}
            >
              <p className="finding-head">
                <span className={`badge badge-${finding.severity === 'info' ? 'neutral' : finding.severity}`}>
                  {SEVERITY_LABELS[finding.severity]}
                </span>{' '}
                <code>{finding.code}</code>
                {finding.feature && <span className="muted"> · feature {finding.feature}</span>}
              </p>
              <p>
                <InlineText text={finding.message} />
              </p>
              <p className="fix">
                Fix: <InlineText text={finding.fix} />
              </p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
