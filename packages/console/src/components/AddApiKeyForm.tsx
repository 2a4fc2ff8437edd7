import { type FormEvent, useState } from 'react';
import { type ApiKeyScope, api, type CreatedApiKey } from '../api';
import { apiKeyFieldErrors } from '../fieldErrors';
import { useSubmit } from '../useSubmit';
import { ErrorNotice } from './ErrorNotice';
import { FormActions } from './FormActions';
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
  onCreated: (created: CreatedApiKey) => void;
  onCancel: () => void;
}

export function AddApiKeyForm({ onCreated, onCancel }: AddApiKeyFormProps) {
  const [name, setName] = useState('');
  // The least a key may do: admin is a deliberate choice.
  const [scope, setScope] = useState<ApiKeyScope>('read');
  const { busy, error, submit: save } = useSubmit();

  const { byField: fieldErrors, other: otherDetails } = apiKeyFieldErrors(error?.details ?? []);
  // A taken name is a 409 without details; it belongs beside the name all the same.
  if (error?.status === 409 && !fieldErrors.name) fieldErrors.name = error.message;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await save(async () => onCreated(await api.createApiKey({ name: name.trim(), scope })));
  }

  return (
    <form
      className="stack"
      onSubmit={submit}
      noValidate
      aria-labelledby="add-api-key-heading"
      aria-describedby={error ? 'add-api-key-error' : undefined}
    >
      <TextField
        id="api-key-name"
        label="Name"
        hint="What the key is for, e.g. billing sync: letters, digits, spaces, dots, dashes and underscores."
        required
        spellCheck={false}
        autoComplete="off"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={fieldErrors.name}
      />
      <RadioOptions
        name="api-key-scope"
        legend="Scope"
        options={SCOPE_OPTIONS}
        value={scope}
        onChange={setScope}
        error={fieldErrors.scope}
      />
      {error && (
        <div id="add-api-key-error">
          <ErrorNotice error={error} details={otherDetails} />
        </div>
      )}
      <FormActions submitLabel={busy ? 'Creating…' : 'Create API key'} disabled={busy} onCancel={onCancel} />
    </form>
  );
}
