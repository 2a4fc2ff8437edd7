import { type FormEvent, useState } from 'react';
import { api, type Connection } from '../api';
import { useSubmit } from '../useSubmit';
import { ClientSecretField } from './ClientSecretField';
import { ErrorNotice } from './ErrorNotice';
import { FormActions } from './FormActions';

interface ReplaceCredentialFormProps {
  connectionId: string;
  kind: 'secret' | 'certificate';
  onReplaced: (connection: Connection) => void;
  onCancel: () => void;
}

export function ReplaceCredentialForm({ connectionId, kind, onReplaced, onCancel }: ReplaceCredentialFormProps) {
  const [value, setValue] = useState('');
  const { busy: saving, error, submit: save } = useSubmit();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const change = kind === 'secret' ? { clientSecret: value.trim() } : { certificate: { certificatePem: value } };
    await save(async () => onReplaced(await api.updateConnection(connectionId, change)));
  }

  return (
    <form className="stack replace-form" onSubmit={submit} noValidate>
      {kind === 'secret' ? (
        <ClientSecretField id="new-client-secret" label="New client secret value" value={value} onChange={setValue} />
      ) : (
        <div className="field">
          <label htmlFor="new-certificate">New certificate and private key (PEM)</label>
          <textarea
            id="new-certificate"
            rows={8}
            spellCheck={false}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </div>
      )}
      {error && <ErrorNotice error={error} />}
      <FormActions
        submitLabel={kind === 'secret' ? 'Save secret' : 'Save certificate'}
        disabled={saving || value.trim() === ''}
        onCancel={onCancel}
      />
    </form>
  );
}
