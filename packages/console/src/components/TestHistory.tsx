import type { TestRun } from '../api';
import { RelativeTime } from './RelativeTime';
import { TestResult, testCounts } from './TestResult';

export function TestHistory({ tests }: { tests: TestRun[] }) {
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Test history</h2>
      {tests.length === 0 ? (
        <p className="muted">The test has not run yet.</p>
      ) : (
        <ul className="history">
          {tests.map((test) => (
            <li key={test.id}>
              <details>
                <summary>
                  <RelativeTime iso={test.startedAt} />{' '}
                  <span className={`badge ${test.ok ? 'badge-ok' : 'badge-error'}`}>
                    {test.ok ? 'Passed' : 'Failed'}
                  </span>{' '}
                  <span className="muted">{testCounts(test)}</span>
                </summary>
                <TestResult test={test} showSummary={false} />
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
