import { useRef } from 'react';
import type { Connection } from '../api';
import { useDeviceCodeSignIn } from '../state/useDeviceCodeSignIn';
import { DeviceCodePrompt } from './DeviceCodePrompt';
import { ErrorNotice } from './ErrorNotice';

interface SignInAgainProps {
  connection: Connection;
  /** The sign-in connected: the connection has a new refresh token and was tested. */
  onSignedIn: () => void;
}

/**
 * For a delegated connection: a new sign-in by device code (on any device), when its refresh token expired or was
 * revoked. The connection keeps its name, settings and synced data.
 */
export function SignInAgain({ connection, onSignedIn }: SignInAgainProps) {
  const { signIn, starting, error, start, clear } = useDeviceCodeSignIn({ connection: connection.id });
  const button = useRef<HTMLButtonElement>(null);

  return (
    <div className="stack sign-in-again">
      <p className="muted">
        Signed in as {String(connection.settings.signedInUser ?? 'a user')}. Sign in again when the test reports an
        expired or revoked refresh token.
      </p>
      <div>
        <button type="button" ref={button} onClick={start} disabled={starting}>
          {starting ? 'Asking Microsoft for a code…' : 'Sign in again'}
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
      {signIn && (
        <DeviceCodePrompt
          key={signIn.flowId}
          signIn={signIn}
          title={`Sign-in code for ${connection.name}`}
          onConnected={onSignedIn}
          linkToConnection={false}
          onClose={() => {
            clear();
            button.current?.focus();
          }}
        />
      )}
    </div>
  );
}
