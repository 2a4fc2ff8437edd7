import { useEffect, useId, useRef, useState } from 'react';
import { type ApiError, api, asApiError, type DeviceCodeSignIn, type DeviceCodeStatus } from '../api';
import { formatDateTime } from '../display/format';
import { Link } from '../navigation/Link';
import { connectionPath } from '../navigation/router';
import { CopyButton } from './CopyButton';
import { ErrorNotice } from './ErrorNotice';

const POLL_INTERVAL_MS = 2000;

interface DeviceCodePromptProps {
  signIn: DeviceCodeSignIn;
  title: string;
  onClose: () => void;
  /** Told once, when the sign-in has connected. */
  onConnected?: (connectionId: string) => void;
  /** Offer a link to the connection once connected (default true; not on its own page). */
  linkToConnection?: boolean;
}

/**
 * A device-code sign-in under way: the code to enter and where, and how it stands, asked of the server every two
 * seconds until it is connected or failed (or the prompt goes away).
 */
export function DeviceCodePrompt({
  signIn,
  title,
  onClose,
  onConnected,
  linkToConnection = true,
}: DeviceCodePromptProps) {
  const headingId = useId();
  const codeId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [status, setStatus] = useState<DeviceCodeStatus>({ status: 'pending' });
  const [pollError, setPollError] = useState<ApiError>();
  const [attempt, setAttempt] = useState(0);

  // The prompt appears at the press of Sign in with a code: move there so the code is read out.
  useEffect(() => heading.current?.focus(), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` restarts polling after Try again.
  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    async function poll() {
      try {
        const next = await api.getDeviceCodeStatus(signIn.flowId, controller.signal);
        if (controller.signal.aborted) return;
        setStatus(next);
        if (next.status === 'pending') timer = window.setTimeout(poll, POLL_INTERVAL_MS);
        else if (next.status === 'connected' && next.connection) onConnected?.(next.connection);
      } catch (reason) {
        if (controller.signal.aborted) return;
        setPollError(asApiError(reason));
      }
    }
    setPollError(undefined);
    timer = window.setTimeout(poll, POLL_INTERVAL_MS);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [signIn.flowId, attempt]);

  const pending = status.status === 'pending';
  return (
    <section className="connect-panel device-code" aria-labelledby={headingId}>
      <div className="connect-panel-heading">
        <h3 id={headingId} ref={heading} tabIndex={-1}>
          {title}
        </h3>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      {pending && (
        <>
          <p>{signIn.message}</p>
          <div className="copyable">
            <span className="muted" id={codeId}>
              Code
            </span>
            <code className="user-code">{signIn.userCode}</code>
            <CopyButton text={signIn.userCode} what="Code" describedBy={codeId} />
          </div>
          <p>
            <a href={signIn.verificationUri} target="_blank" rel="noopener">
              {signIn.verificationUri}
              <span className="visually-hidden"> (opens in a new tab)</span>
            </a>
          </p>
          <p className="muted">The code expires {formatDateTime(signIn.expiresAt)}.</p>
        </>
      )}
      <p className="device-code-status" aria-live="polite">
        {status.status === 'pending' ? (
          pollError ? (
            'Stopped asking how the sign-in stands.'
          ) : (
            'Waiting for the sign-in…'
          )
        ) : status.status === 'connected' ? (
          <>
            <span className="badge badge-ok">Connected</span>{' '}
            {linkToConnection && status.connection && (
              <Link href={connectionPath(status.connection)}>Open the connection</Link>
            )}
          </>
        ) : (
          <>
            <span className="badge badge-error">Failed</span> {status.error?.message ?? 'The sign-in did not finish.'}
          </>
        )}
      </p>
      {pollError && <ErrorNotice error={pollError} onRetry={() => setAttempt((n) => n + 1)} />}
    </section>
  );
}
