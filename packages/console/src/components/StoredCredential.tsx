import { useState } from 'react';
import type { Connection } from '../api';
import { credentialLabel, storedCredential } from '../display/credentials';
import { RelativeTime } from './RelativeTime';
import { ReplaceCredentialForm } from './ReplaceCredentialForm';
import { SignInAgain } from './SignInAgain';

interface StoredCredentialProps {
  connection: Connection;
  onReplaced: (connection: Connection) => void;
  /** A delegated connection was signed in again. */
  onSignedIn: () => void;
}

/** Says whether the credential is stored (never what it is), and lets an admin replace a secret or certificate. */
export function StoredCredential({ connection, onReplaced, onSignedIn }: StoredCredentialProps) {
  const [replacing, setReplacing] = useState(false);
  const [replaced, setReplaced] = useState(false);
  const stored = storedCredential(connection);
  const kind = connection.authMode === 'certificate' ? 'certificate' : 'secret';
  const replaceable = connection.authMode === 'secret' || connection.authMode === 'certificate';

  return (
    <section className="panel" aria-labelledby="credential-heading">
      <h2 id="credential-heading">Credential</h2>
      <p>
        {credentialLabel(connection)}: {stored ? 'stored (write-only)' : <strong>not stored</strong>}
        {stored && (
          <span className="muted">
            {' '}
            · saved <RelativeTime iso={stored.updatedAt} />
          </span>
        )}
      </p>
      <p role="status">
        {replaced && `${kind === 'certificate' ? 'Certificate' : 'Secret'} replaced. Run the test to check it.`}
      </p>
      {connection.authMode === 'delegated' && <SignInAgain connection={connection} onSignedIn={onSignedIn} />}
      {replaceable &&
        (replacing ? (
          <ReplaceCredentialForm
            connectionId={connection.id}
            kind={kind}
            onCancel={() => setReplacing(false)}
            onReplaced={(updated) => {
              setReplacing(false);
              setReplaced(true);
              onReplaced(updated);
            }}
          />
        ) : (
          <button
            type="button"
            onClick={() => {
              setReplaced(false);
              setReplacing(true);
            }}
          >
            {kind === 'certificate' ? 'Replace certificate' : 'Replace secret'}
          </button>
        ))}
    </section>
  );
}
