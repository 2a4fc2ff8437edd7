import { useState } from 'react';
import {
  api,
  asFeatureNames,
  type CatalogueFeature,
  type Integration,
  type IntegrationAuthMode,
  type NewIntegration,
} from '../api';
import { integrationFieldErrors } from '../display/fieldErrors';
import { INTEGRATION_MODE_LABELS } from '../display/format';
import { AdminForm } from './AdminForm';
import { ClientSecretField } from './ClientSecretField';
import { FeatureCheckboxes } from './FeatureCheckboxes';
import { type RadioOption, RadioOptions } from './RadioOptions';
import { SecretExpiryField } from './SecretExpiryField';
import { type TextFieldSpec, TextFields } from './TextFields';

const MODE_HINTS: Record<IntegrationAuthMode, string> = {
  'multi-tenant': "A customer's admin grants consent once; tenantlink then works as the app, with no user signed in.",
  delegated: 'A user of the customer signs in, in the browser or with a code; tenantlink works as that user.',
};
const MODE_OPTIONS: RadioOption<IntegrationAuthMode>[] = (['multi-tenant', 'delegated'] as const).map((mode) => ({
  value: mode,
  label: INTEGRATION_MODE_LABELS[mode],
  hint: MODE_HINTS[mode],
}));

const PERMISSION_TYPES = { 'multi-tenant': 'application', delegated: 'delegated' } as const;

type TextName = 'name' | 'clientId' | 'returnUrl' | 'displayName' | 'logoUrl';

const APP_REGISTRATION_FIELDS: TextFieldSpec<TextName>[] = [
  {
    name: 'name',
    id: 'integration-name',
    label: 'Name',
    hint: "Letters, digits, dots, dashes and underscores, e.g. acme-crm. Connections made through it are named after it and the customer's domain.",
    required: true,
    spellCheck: false,
  },
  {
    name: 'clientId',
    id: 'integration-client-id',
    label: 'Application (client) ID',
    hint: 'Of your own app registration, on its Overview page. Its supported account types must include other organizations.',
    required: true,
    spellCheck: false,
  },
];

// What the customer's admin sees before Microsoft's sign-in.
const BRANDING_FIELDS: TextFieldSpec<TextName>[] = [
  {
    name: 'displayName',
    id: 'integration-display-name',
    label: 'Name customers see',
    hint: "Your product's name as customers' admins see it when they connect, e.g. Acme CRM: plain text, at most 80 characters. Empty: the name above.",
  },
  {
    name: 'logoUrl',
    id: 'integration-logo-url',
    label: 'Logo URL (optional)',
    type: 'url',
    hint: 'An https address of your logo, shown beside that name. Browsers load it from there; tenantlink stores only the address.',
    spellCheck: false,
    placeholder: 'https://cdn.example.com/logo.png',
  },
];

const RETURN_URL_FIELD: TextFieldSpec<TextName> = {
  name: 'returnUrl',
  id: 'integration-return-url',
  label: 'Return URL',
  type: 'url',
  hint: 'The page of your product the customer comes back to, with the result on its query: https (http only for localhost), no #fragment.',
  required: true,
  spellCheck: false,
  placeholder: 'https://app.example.com/connected',
};

interface AddIntegrationFormProps {
  labelledBy: string;
  catalogue: CatalogueFeature[];
  onCreated: (integration: Integration) => void;
  onCancel: () => void;
}

export function AddIntegrationForm({ labelledBy, catalogue, onCreated, onCancel }: AddIntegrationFormProps) {
  const [text, setText] = useState<Record<TextName, string>>({
    name: '',
    clientId: '',
    returnUrl: '',
    displayName: '',
    logoUrl: '',
  });
  const [authMode, setAuthMode] = useState<IntegrationAuthMode>('multi-tenant');
  const [clientSecret, setClientSecret] = useState('');
  const [secretExpiresAt, setSecretExpiresAt] = useState('');
  const [features, setFeatures] = useState<string[]>([]);

  function chooseMode(mode: IntegrationAuthMode) {
    setAuthMode(mode);
    // Keep only the features the new mode can grant.
    const type = PERMISSION_TYPES[mode];
    const available = new Set(catalogue.filter((feature) => feature[type] !== null).map((feature) => feature.id));
    setFeatures((chosen) => chosen.filter((id) => available.has(id)));
  }

  async function save() {
    const input: NewIntegration = {
      name: text.name.trim(),
      clientId: text.clientId.trim(),
      authMode,
      clientSecret: clientSecret.trim(),
      features: asFeatureNames(features),
      returnUrl: text.returnUrl.trim(),
      ...(secretExpiresAt ? { secretExpiresAt } : {}),
      ...(text.displayName.trim() ? { displayName: text.displayName.trim() } : {}),
      ...(text.logoUrl.trim() ? { logoUrl: text.logoUrl.trim() } : {}),
    };
    onCreated(await api.createIntegration(input));
  }

  const changeText = (name: TextName, value: string) => setText((old) => ({ ...old, [name]: value }));
  return (
    <AdminForm
      id="add-integration"
      labelledBy={labelledBy}
      fieldErrors={integrationFieldErrors}
      conflictField="name"
      submitLabel="Save integration"
      busyLabel="Saving…"
      onSubmit={save}
      onCancel={onCancel}
    >
      {(errors) => (
        <>
          <TextFields fields={APP_REGISTRATION_FIELDS} values={text} errors={errors} onChange={changeText} />
          <TextFields fields={BRANDING_FIELDS} values={text} errors={errors} onChange={changeText} />
          <RadioOptions
            name="integration-mode"
            legend="How customers connect"
            options={MODE_OPTIONS}
            value={authMode}
            onChange={chooseMode}
            error={errors.authMode}
          />
          <ClientSecretField
            id="integration-client-secret"
            label="Client secret value"
            value={clientSecret}
            onChange={setClientSecret}
            error={errors.clientSecret}
          />
          <SecretExpiryField
            id="integration-secret-expires-at"
            label="Secret expires on"
            value={secretExpiresAt}
            onChange={setSecretExpiresAt}
            error={errors.secretExpiresAt}
            warned="the connections' tests"
          />
          <FeatureCheckboxes
            catalogue={catalogue}
            selected={features}
            onChange={setFeatures}
            error={errors.features}
            permissionType={PERMISSION_TYPES[authMode]}
          />
          <TextFields fields={[RETURN_URL_FIELD]} values={text} errors={errors} onChange={changeText} />
        </>
      )}
    </AdminForm>
  );
}
