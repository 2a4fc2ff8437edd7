import { useState } from 'react';
import { api, type Integration, type IntegrationUpdate } from '../api';
import { AdminForm } from './AdminForm';
import { ClientSecretField } from './ClientSecretField';
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
  const fieldId = `new-secret-${integration.id}`;

  async function save() {
    onReplaced(
      await api.updateIntegration(integration.id, {
        clientSecret: value.trim(),
        ...(expires ? { secretExpiresAt: expires } : {}),
      }),
    );
  }

  return (
    <AdminForm
      id={fieldId}
      label={`New client secret for ${integration.name}`}
      className="replace-form"
      submitLabel="Save secret"
      busyLabel="Saving…"
      ready={value.trim() !== ''}
      onSubmit={save}
      onCancel={onCancel}
    >
      {() => (
        <>
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
        </>
      )}
    </AdminForm>
  );
}
