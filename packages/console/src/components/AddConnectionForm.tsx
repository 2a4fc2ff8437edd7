import { type FormEvent, useState } from 'react';
import { api, type CatalogueFeature, type Connection, type NewConnection } from '../api';
import { connectionFieldErrors } from '../fieldErrors';
import { useSubmit } from '../useSubmit';
import { ClientSecretField } from './ClientSecretField';
import { ErrorNotice } from './ErrorNotice';
import { FeatureCheckboxes } from './FeatureCheckboxes';
import { FormActions } from './FormActions';
import { SecretExpiryField } from './SecretExpiryField';
import { type TextFieldSpec, TextFields } from './TextFields';

type TextName = 'name' | 'tenantId' | 'clientId' | 'testUser' | 'serviceAccount';

const APP_REGISTRATION_FIELDS: TextFieldSpec<TextName>[] = [
  {
    name: 'name',
    id: 'name',
    label: 'Name',
    hint: 'How you recognise this customer here, e.g. Contoso.',
    required: true,
  },
  {
    name: 'tenantId',
    id: 'tenant-id',
    label: 'Directory (tenant) ID',
    hint: "On the app registration's Overview page. A verified domain such as contoso.onmicrosoft.com works too.",
    required: true,
    spellCheck: false,
  },
  {
    name: 'clientId',
    id: 'client-id',
    label: 'Application (client) ID',
    hint: 'On the same Overview page, above the Directory (tenant) ID.',
    required: true,
    spellCheck: false,
  },
];

const ACCOUNT_FIELDS: TextFieldSpec<TextName>[] = [
  {
    name: 'testUser',
    id: 'test-user',
    label: 'Test user (UPN)',
    hint: "Optional. Run test reads this user's mailbox, calendar and presence, e.g. adele@contoso.com.",
    spellCheck: false,
  },
  {
    name: 'serviceAccount',
    id: 'service-account',
    label: 'Service account (UPN)',
    hint: 'Optional. The user whose OneDrive the files feature works in.',
    spellCheck: false,
  },
];

const CREDENTIAL_CHOICES: { mode: NewConnection['authMode']; label: string }[] = [
  { mode: 'secret', label: 'Client secret' },
  { mode: 'certificate', label: 'Certificate' },
];

interface AddConnectionFormProps {
  catalogue: CatalogueFeature[];
  features: string[];
  onFeaturesChange: (features: string[]) => void;
  onCreated: (connection: Connection) => void;
}

export function AddConnectionForm(props: AddConnectionFormProps) {
  const { catalogue, features } = props;
  const [authMode, setAuthMode] = useState<NewConnection['authMode']>('secret');
  const [text, setText] = useState<Record<TextName, string>>({
    name: '',
    tenantId: '',
    clientId: '',
    testUser: '',
    serviceAccount: '',
  });
  const [clientSecret, setClientSecret] = useState('');
  const [certificatePem, setCertificatePem] = useState('');
  const [secretExpiresAt, setSecretExpiresAt] = useState('');
  const { busy: saving, error, submit: save } = useSubmit();

  const { byField: fieldErrors, other: otherDetails } = connectionFieldErrors(error?.details ?? []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const testUser = text.testUser.trim();
    const serviceAccount = text.serviceAccount.trim();
    const settings = {
      ...(testUser ? { testUser } : {}),
      ...(serviceAccount ? { serviceAccount } : {}),
      ...(authMode === 'secret' && secretExpiresAt ? { secretExpiresAt } : {}),
    };
    const input: NewConnection = {
      name: text.name.trim(),
      tenantId: text.tenantId.trim(),
      clientId: text.clientId.trim(),
      authMode,
      // A PEM bundle may hold the certificate and its key together; the server takes the key from it.
      ...(authMode === 'secret' ? { clientSecret: clientSecret.trim() } : { certificate: { certificatePem } }),
      features,
      ...(Object.keys(settings).length > 0 ? { settings } : {}),
    };
    await save(async () => props.onCreated(await api.createConnection(input)));
  }

  function changeText(name: TextName, value: string) {
    setText((old) => ({ ...old, [name]: value }));
  }

  return (
    <form className="stack" onSubmit={submit} noValidate aria-describedby={error ? 'add-connection-error' : undefined}>
      <TextFields fields={APP_REGISTRATION_FIELDS} values={text} errors={fieldErrors} onChange={changeText} />
      <fieldset className="choice">
        <legend>Credential</legend>
        {CREDENTIAL_CHOICES.map(({ mode, label }) => (
          <label key={mode}>
            <input
              type="radio"
              name="auth-mode"
              value={mode}
              checked={authMode === mode}
              onChange={() => setAuthMode(mode)}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
      {authMode === 'secret' ? (
        <ClientSecretField
          id="client-secret"
          label="Client secret value"
          value={clientSecret}
          onChange={setClientSecret}
          error={fieldErrors.clientSecret}
        />
      ) : (
        <div className="field">
          <label htmlFor="certificate">Certificate and private key (PEM)</label>
          <textarea
            id="certificate"
            rows={8}
            spellCheck={false}
            value={certificatePem}
            onChange={(e) => setCertificatePem(e.target.value)}
            aria-invalid={fieldErrors.certificate ? true : undefined}
            aria-describedby={fieldErrors.certificate ? 'certificate-hint certificate-error' : 'certificate-hint'}
          />
          <p className="hint" id="certificate-hint">
            Paste the -----BEGIN CERTIFICATE----- block followed by its -----BEGIN PRIVATE KEY----- block. Upload the
            certificate alone (.cer, .pem or .crt) in Certificates &amp; secrets.
          </p>
          {fieldErrors.certificate && (
            <p className="field-error" id="certificate-error">
              {fieldErrors.certificate}
            </p>
          )}
        </div>
      )}
      <FeatureCheckboxes
        catalogue={catalogue}
        selected={features}
        onChange={props.onFeaturesChange}
        error={fieldErrors.features}
      />
      <TextFields fields={ACCOUNT_FIELDS} values={text} errors={fieldErrors} onChange={changeText} />
      {authMode === 'secret' && (
        <SecretExpiryField
          id="secret-expires-at"
          label="Secret expires on"
          value={secretExpiresAt}
          onChange={setSecretExpiresAt}
          error={fieldErrors.secretExpiresAt}
        />
      )}
      {error && (
        <div id="add-connection-error">
          <ErrorNotice error={error} details={otherDetails} />
        </div>
      )}
      <FormActions submitLabel={saving ? 'Saving…' : 'Save and test'} disabled={saving} />
    </form>
  );
}
