import { type FormEvent, useState } from 'react';
import { api, type Integration, type IntegrationUpdate } from '../api';
import { useSubmit } from '../useSubmit';
import { ClientSecretField } from './ClientSecretField';
import { ErrorNotice } from './ErrorNotice';
import { FormActions } from './FormActions';
import { SecretExpiryField } from './SecretExpiryField';

interface ReplaceIntegrationSecretFormProps {
  integration: Integration;
  onReplaced: (update: IntegrationUpdate) => void;
  onCancel: () => void;
}

/** A new client secret for the integration's app, which tenantlink also writes into the connections made through it. */
export function ReplaceIntegrationSecretForm({ integration, onReplaced, onCancel }: ReplaceIntegrationSecretFormProps) {
  const [value, setValue] = useState('');
  const [expires, setExpires] = useState('');
  const { busy, error, submit } = useSubmit();
  const fieldId = `new-secret-${integration.id}`;

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await submit(async () =>
      onReplaced(
        await api.updateIntegration(integration.id, {
          clientSecret: value.trim(),
          ...(expires ? { secretExpiresAt: expires } : {}),
        }),
      ),
    );
  }

  return (
    <form
      className="stack replace-form"
      onSubmit={save}
      noValidate
      aria-label={`New client secret for ${integration.name}`}
    >
      <ClientSecretField id={fieldId} label="New client secret value" value={value} onChange={setValue} />
      <SecretExpiryField
        id={`${fieldId}-expires`}
        label="New secret expires on"
        value={expires}
        onChange={setExpires}
        warned="the connections' tests"
      />
      <p className="hint">
        Connections made through {integration.name} switch to this secret at once, so delete the old secret in
        Certificates &amp; secrets only after saving here.
      </p>
      {error && <ErrorNotice error={error} />}
      <FormActions
        submitLabel={busy ? 'Saving…' : 'Save secret'}
        disabled={busy || value.trim() === ''}
        onCancel={onCancel}
      />
    </form>
  );
}
