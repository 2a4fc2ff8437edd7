import type { Connection, TestSummary } from '../api';
import { storedCredential } from '../credentials';
import { daysUntil, formatDateTime, formatDay, plural } from '../format';

const EXPIRY_WARNING_DAYS = 30;

function lastTestBadge(lastTest: TestSummary | null) {
  if (!lastTest) return <span className="badge badge-neutral">Never tested</span>;
  if (!lastTest.ok || lastTest.errors > 0)
    return <span className="badge badge-error">Test failed: {plural(lastTest.errors, 'error')}</span>;
  if (lastTest.warnings > 0)
    return <span className="badge badge-warning">Test passed, {plural(lastTest.warnings, 'warning')}</span>;
  return <span className="badge badge-ok">Test passed</span>;
}

/** When a secret or certificate expires: neutral, then a warning within 30 days, an error once past. */
export function expiryBadge(what: string, expiresAt: string) {
  const days = daysUntil(expiresAt);
  if (days < 0)
    return (
      <span className="badge badge-error">
        {what} expired {formatDay(expiresAt)}
      </span>
    );
  if (days <= EXPIRY_WARNING_DAYS)
    return (
      <span className="badge badge-warning">
        {what} expires {formatDay(expiresAt)} ({days === 0 ? 'today' : `in ${plural(days, 'day')}`})
      </span>
    );
  return (
    <span className="badge badge-neutral">
      {what} expires {formatDay(expiresAt)}
    </span>
  );
}

/** The connection's state at a glance: its last test, whether it got a token then, and when its secret expires. */
export function ConnectionHealth({ connection }: { connection: Connection }) {
  const { lastTest, secretExpiresAt } = connection.health;
  return (
    <span className="health">
      {lastTestBadge(lastTest)}
      {lastTest && <span className="muted small">{formatDateTime(lastTest.at)}</span>}
      {storedCredential(connection) ? null : <span className="badge badge-error">No credential stored</span>}
      {lastTest?.token === 'ok' && <span className="badge badge-ok">Token OK</span>}
      {lastTest?.token === 'failing' && <span className="badge badge-error">No token</span>}
      {secretExpiresAt &&
        expiryBadge(connection.authMode === 'certificate' ? 'Certificate' : 'Secret', secretExpiresAt)}
    </span>
  );
}
