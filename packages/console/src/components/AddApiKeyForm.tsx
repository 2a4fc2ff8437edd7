import { useState } from 'react';
import { type ApiKeyScope, api, type CreatedApiKey } from '../api';
import { apiKeyFieldErrors } from '../display/fieldErrors';
import { AdminForm } from './AdminForm';
import { type RadioOption, RadioOptions } from './RadioOptions';
import { TextField } from './TextField';

/** Each scope and what a key with it may do; the server enforces the same. */
export const SCOPE_OPTIONS: RadioOption<ApiKeyScope>[] = [
  { value: 'admin', label: 'admin', hint: 'Everything, including managing connections, webhooks and API keys.' },
  {
    value: 'read',
    label: 'read',
    hint: 'GET requests only: reads connections, tests, syncs and webhooks, changes nothing (API keys stay hidden).',
  },
  { value: 'metrics', label: 'metrics', hint: 'Only GET /metrics, for a Prometheus scraper.' },
];

interface AddApiKeyFormProps {
  labelledBy: string;
  onCreated: (created: CreatedApiKey) => void;
  onCancel: () => void;
}

export function AddApiKeyForm({ labelledBy, onCreated, onCancel }: AddApiKeyFormProps) {
  const [name, setName] = useState('');
  // The least a key may do: admin is a deliberate choice.
  const [scope, setScope] = useState<ApiKeyScope>('read');

  return (
    <AdminForm
      id="add-api-key"
      labelledBy={labelledBy}
      fieldErrors={apiKeyFieldErrors}
      conflictField="name"
      submitLabel="Create API key"
      busyLabel="Creating…"
      onSubmit={async () => onCreated(await api.createApiKey({ name: name.trim(), scope }))}
      onCancel={onCancel}
    >
      {(errors) => (
        <>
          <TextField
            id="api-key-name"
            label="Name"
            hint="What the key is for, e.g. billing sync: letters, digits, spaces, dots, dashes and underscores."
            required
            spellCheck={false}
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errors.name}
          />
          <RadioOptions
            name="api-key-scope"
            legend="Scope"
            options={SCOPE_OPTIONS}
            value={scope}
            onChange={setScope}
            error={errors.scope}
          />
        </>
      )}
    </AdminForm>
  );
}
