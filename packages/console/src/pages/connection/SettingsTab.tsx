import type { Connection } from '../../api';
import { ConnectionSettings } from '../../components/ConnectionSettings';
import { RemoveConnection } from '../../components/RemoveConnection';
import { StoredCredential } from '../../components/StoredCredential';

interface SettingsTabProps {
  connection: Connection;
  onReplaced: (connection: Connection) => void;
  /** A delegated connection was signed in again (and tested). */
  onSignedIn: () => void;
  onRemoved: () => void;
}

/** The Settings tab: what the connection is, its credential (replace it, or sign in again), and Remove. */
export function SettingsTab({ connection, onReplaced, onSignedIn, onRemoved }: SettingsTabProps) {
  return (
    <div className="detail-columns">
      <section className="panel" aria-labelledby="settings-heading">
        <h2 id="settings-heading">Settings</h2>
        <ConnectionSettings connection={connection} />
      </section>
      <div className="stack-large">
        <StoredCredential connection={connection} onReplaced={onReplaced} onSignedIn={onSignedIn} />
        <RemoveConnection connection={connection} onRemoved={onRemoved} />
      </div>
    </div>
  );
}
