import { TenantlinkError } from '../errors.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A return URL: absolute, https (http only on this machine, for development), without credentials or a fragment
 * (the result is added to its query). Returns it normalised.
 */
export function checkReturnUrl(value: string, what = 'The return URL'): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new TenantlinkError(
      'INVALID_INPUT',
      `${what} must be an absolute URL such as https://app.example.com/connected.`,
    );
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  if (!secure)
    throw new TenantlinkError('INVALID_INPUT', `${what} must be https (or http://localhost for development).`);
  if (url.username || url.password) throw new TenantlinkError('INVALID_INPUT', `${what} must not carry a user name.`);
  if (url.hash) throw new TenantlinkError('INVALID_INPUT', `${what} must not have a #fragment.`);
  return url.toString();
}

/**
 * A return URL a connect session asks for: it must be on the integration's return URL origin, so a leaked session
 * cannot send a customer (and the connection's id) anywhere else.
 */
export function checkReturnUrlOrigin(value: string, integrationReturnUrl: string): string {
  const url = checkReturnUrl(value, 'returnUrl');
  const allowed = new URL(integrationReturnUrl).origin;
  if (new URL(url).origin !== allowed)
    throw new TenantlinkError('RETURN_URL_NOT_ALLOWED', `returnUrl must be on ${allowed}, the integration's origin.`, {
      status: 400,
      diagnosis: {
        meaning: 'A connect flow only returns to the vendor product the integration was set up for.',
        fix: `Use a URL on ${allowed}, or change the integration's return URL.`,
      },
    });
  return url;
}

/** What a finished flow tells the vendor's product, on the return URL's query. */
export interface FlowResult {
  state: string | null;
  result: 'ok' | 'errors' | 'failed';
  /** `pending`: the first test only met replication lag after admin consent; the final one comes in the background. */
  test?: 'pending';
  /** Warning codes of the first test the vendor should hear of (TEST_USER_MISSING: a feature was not tried). */
  warnings?: string[];
  connection?: string;
  tenant?: string;
  /** When failed: a stable code (`access_denied`, `CONSENT_MISSING`, ...) and the sentence behind it. */
  error?: { code: string; message: string };
}

/** The return URL with the result added to its query (any query it had is kept). */
export function returnUrlWithResult(returnUrl: string, result: FlowResult): string {
  const url = new URL(returnUrl);
  if (result.state !== null) url.searchParams.set('state', result.state);
  url.searchParams.set('result', result.result);
  if (result.test) url.searchParams.set('test', result.test);
  if (result.warnings?.length) url.searchParams.set('warnings', result.warnings.join(','));
  if (result.connection) url.searchParams.set('connection', result.connection);
  if (result.tenant) url.searchParams.set('tenant', result.tenant);
  if (result.error) {
    url.searchParams.set('error', result.error.code);
    url.searchParams.set('error_description', result.error.message);
  }
  return url.toString();
}
