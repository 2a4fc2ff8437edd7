import { useRef } from 'react';
import { api, type Connection } from '../api';
import { ConfirmRemoveDialog } from './ConfirmRemoveDialog';

interface RemoveConnectionProps {
  connection: Connection;
  onRemoved: () => void;
}

/** "Remove connection", confirmed in a modal dialog. */
export function RemoveConnection({ connection, onRemoved }: RemoveConnectionProps) {
  const dialog = useRef<HTMLDialogElement>(null);

  return (
    <section className="panel" aria-labelledby="remove-heading">
      <h2 id="remove-heading">Remove</h2>
      <p className="muted">
        Removes the connection and its stored credential from tenantlink. The app registration in Microsoft Entra stays;
        delete it there if the customer no longer needs it.
      </p>
      <button type="button" className="danger" onClick={() => dialog.current?.showModal()}>
        Remove connection
      </button>
      <ConfirmRemoveDialog
        dialogRef={dialog}
        name={connection.name}
        remove={() => api.removeConnection(connection.id)}
        onRemoved={onRemoved}
      >
        tenantlink forgets this connection and its stored credential. Adding it again needs the secret or certificate
        once more.
      </ConfirmRemoveDialog>
    </section>
  );
}
