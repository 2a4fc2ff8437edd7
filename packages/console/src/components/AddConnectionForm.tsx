import { useState } from 'react';
import { api, asFeatureNames, type CatalogueFeature, type Connection, type NewConnection } from '../api';
import { connectionFieldErrors } from '../display/fieldErrors';
import { AdminForm } from './AdminForm';
import { CertificateField } from './CertificateField';
import { ClientSecretField } from './ClientSecretField';
import { FeatureCheckboxes } from './FeatureCheckboxes';
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

/** The ways of signing in this form offers; the others come from connect flows. */
type CredentialMode = 'secret' | 'certificate';

const CREDENTIAL_CHOICES: { mode: CredentialMode; label: string }[] = [
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
  const [authMode, setAuthMode] = useState<CredentialMode>('secret');
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

  async function save() {
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
      features: asFeatureNames(features),
      ...(Object.keys(settings).length > 0 ? { settings } : {}),
    };
    props.onCreated(await api.createConnection(input));
  }

  const changeText = (name: TextName, value: string) => setText((old) => ({ ...old, [name]: value }));
  return (
    <AdminForm
      id="add-connection"
      fieldErrors={connectionFieldErrors}
      submitLabel="Save and test"
      busyLabel="Saving…"
      onSubmit={save}
    >
      {(errors) => (
        <>
          <TextFields fields={APP_REGISTRATION_FIELDS} values={text} errors={errors} onChange={changeText} />
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
              error={errors.clientSecret}
            />
          ) : (
            <CertificateField
              id="certificate"
              label="Certificate and private key (PEM)"
              value={certificatePem}
              onChange={setCertificatePem}
              error={errors.certificate}
            />
          )}
          <FeatureCheckboxes
            catalogue={catalogue}
            selected={features}
            onChange={props.onFeaturesChange}
            error={errors.features}
          />
          <TextFields fields={ACCOUNT_FIELDS} values={text} errors={errors} onChange={changeText} />
          {authMode === 'secret' && (
            <SecretExpiryField
              id="secret-expires-at"
              label="Secret expires on"
              value={secretExpiresAt}
              onChange={setSecretExpiresAt}
              error={errors.secretExpiresAt}
            />
          )}
        </>
      )}
    </AdminForm>
  );
}
