import type { TestRun } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TestHistory } from '../../components/TestHistory';
import type { Loaded } from '../../state/useLoad';

/** The Tests tab: every run of the test, newest first, each with its checks and findings. */
export function TestsTab({ tests }: { tests: Loaded<TestRun[]> }) {
  if (tests.error) return <ErrorNotice error={tests.error} onRetry={tests.reload} />;
  if (!tests.data) return <p role="status">Loading the test history…</p>;
  return <TestHistory tests={tests.data} />;
}
