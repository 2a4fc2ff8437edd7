import type { ErrorDetail } from '../api';

export type ConnectionField =
  | 'name'
  | 'tenantId'
  | 'clientId'
  | 'clientSecret'
  | 'certificate'
  | 'features'
  | 'testUser'
  | 'serviceAccount'
  | 'secretExpiresAt';

// The API names a problem by its path in the request body; `tenant` is the library's own name for the tenant ID.
const CONNECTION_FIELD_OF_PATH: Record<string, ConnectionField> = {
  name: 'name',
  tenantId: 'tenantId',
  tenant: 'tenantId',
  clientId: 'clientId',
  clientSecret: 'clientSecret',
  certificate: 'certificate',
  'certificate.certificatePem': 'certificate',
  'certificate.privateKeyPem': 'certificate',
  features: 'features',
  'settings.testUser': 'testUser',
  'settings.serviceAccount': 'serviceAccount',
  'settings.secretExpiresAt': 'secretExpiresAt',
};

export type IntegrationField =
  | 'name'
  | 'clientId'
  | 'authMode'
  | 'clientSecret'
  | 'features'
  | 'returnUrl'
  | 'secretExpiresAt'
  | 'displayName'
  | 'logoUrl';

const INTEGRATION_FIELD_OF_PATH: Record<string, IntegrationField> = {
  name: 'name',
  clientId: 'clientId',
  authMode: 'authMode',
  clientSecret: 'clientSecret',
  features: 'features',
  returnUrl: 'returnUrl',
  secretExpiresAt: 'secretExpiresAt',
  displayName: 'displayName',
  logoUrl: 'logoUrl',
};

export interface FieldErrors<F extends string> {
  byField: Partial<Record<F, string>>;
  other: ErrorDetail[];
}

/** Sorts validation details into those shown beside a form field and the rest, shown with the error message. */
function sortDetails<F extends string>(details: ErrorDetail[], fieldOfPath: Record<string, F>): FieldErrors<F> {
  const byField: Partial<Record<F, string>> = {};
  const other: ErrorDetail[] = [];
  for (const detail of details) {
    // `features.2` is a problem with one feature: shown beside the feature checkboxes.
    const field = fieldOfPath[detail.path] ?? fieldOfPath[detail.path.replace(/\.\d+$/, '')];
    if (!field) other.push(detail);
    else byField[field] = byField[field] ? `${byField[field]} ${detail.message}` : detail.message;
  }
  return { byField, other };
}

/** The Add connection form's field for each detail of a validation error, and the details no field shows. */
export function connectionFieldErrors(details: ErrorDetail[]): FieldErrors<ConnectionField> {
  return sortDetails(details, CONNECTION_FIELD_OF_PATH);
}

/** The Add integration form's field for each detail of a validation error, and the details no field shows. */
export function integrationFieldErrors(details: ErrorDetail[]): FieldErrors<IntegrationField> {
  return sortDetails(details, INTEGRATION_FIELD_OF_PATH);
}

export type WebhookField = 'url' | 'connection' | 'models' | 'description';

const WEBHOOK_FIELD_OF_PATH: Record<string, WebhookField> = {
  url: 'url',
  connection: 'connection',
  models: 'models',
  description: 'description',
};

/** The Add webhook form's field for each detail of a validation error, and the details no field shows. */
export function webhookFieldErrors(details: ErrorDetail[]): FieldErrors<WebhookField> {
  return sortDetails(details, WEBHOOK_FIELD_OF_PATH);
}

export type ApiKeyField = 'name' | 'scope';

/** The Create API key form's field for each detail of a validation error, and the details no field shows. */
export function apiKeyFieldErrors(details: ErrorDetail[]): FieldErrors<ApiKeyField> {
  return sortDetails(details, { name: 'name', scope: 'scope' });
}
