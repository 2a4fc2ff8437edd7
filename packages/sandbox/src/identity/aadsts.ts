/**
 * The identity platform's errors: each AADSTS code with the HTTP status, OAuth `error` value, `suberror` and
 * message text the service returns. The sandbox README lists them with their sources.
 */

type Params = Record<string, string>;

export interface AadstsDefinition {
  code: number;
  error: string;
  status: number;
  suberror?: string;
  message: (p: Params) => string;
}

function def(
  code: number,
  error: string,
  status: number,
  message: (p: Params) => string,
  suberror?: string,
): AadstsDefinition {
  return suberror ? { code, error, status, message, suberror } : { code, error, status, message };
}

const NOT_INSTALLED =
  'This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.';

export const AADSTS = {
  // client authentication
  invalidClientSecret: def(
    7000215,
    'invalid_client',
    401,
    (p) =>
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${p.appId}'.`,
  ),
  expiredClientSecret: def(
    7000222,
    'invalid_client',
    401,
    (p) =>
      `The provided client secret keys for app '${p.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
  ),
  missingClientCredential: def(
    7000218,
    'invalid_client',
    401,
    () => "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  ),
  assertionOutOfRange: def(
    700024,
    'invalid_client',
    400,
    (p) =>
      `Client assertion is not within its valid time range. Current time: ${p.now}, assertion valid from ${p.nbf}, expiry time of assertion ${p.exp}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
  ),
  assertionBadSignature: def(
    700027,
    'invalid_client',
    401,
    (p) =>
      `Client assertion contains an invalid signature. [Reason - Key was found, but use of the key to verify the signature failed., Thumbprint of key used by client: '${p.thumbprint}', Found key 'Start=${p.start}, End=${p.end}']`,
  ),
  assertionKeyNotFound: def(
    700027,
    'invalid_client',
    401,
    (p) =>
      `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${p.thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${p.appId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${p.appId}']. Alternatively, SNI may be configured on the app. Please ensure that client assertion is being sent with the x5c claim in the JWT header using MSAL's WithSendX5C() method so that Azure Active Directory can validate the certificate being used.`,
  ),
  assertionInvalid: def(50027, 'invalid_request', 400, (p) =>
    `JWT token is invalid or malformed. ${p.reason ?? ''}`.trim(),
  ),
  assertionSubjectMismatch: def(
    50048,
    'invalid_client',
    401,
    () => 'Subject must match the issuer claim in the client assertion.',
  ),
  assertionAudienceMismatch: def(
    700023,
    'invalid_client',
    401,
    () => 'Client assertion audience claim does not match Realm issuer.',
  ),
  assertionAudienceInvalid: def(
    700212,
    'invalid_client',
    401,
    (p) => `No matching federated identity record found for presented assertion audience '${p.audience}'.`,
  ),
  publicClientSentSecret: def(
    700025,
    'invalid_client',
    401,
    () => "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
  ),
  // tenant and application lookup
  tenantNotFound: def(
    90002,
    'invalid_tenant',
    400,
    (p) =>
      `Tenant '${p.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  ),
  invalidTenantIdentifier: def(
    900023,
    'invalid_request',
    400,
    (p) => `Specified tenant identifier '${p.tenant}' is neither a valid DNS name, nor a valid external domain.`,
  ),
  applicationNotFound: def(
    700016,
    'unauthorized_client',
    400,
    (p) =>
      `Application with identifier '${p.appId}' was not found in the directory '${p.tenant}'. ${NOT_INSTALLED} You may have sent your authentication request to the wrong tenant.`,
  ),
  applicationDisabled: def(
    7000112,
    'unauthorized_client',
    400,
    (p) => `Application '${p.appId}'(${p.appName}) is disabled.`,
  ),
  singleTenantAppOnCommon: def(
    50194,
    'invalid_request',
    400,
    (p) =>
      `Application '${p.appId}'(${p.appName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
  ),
  grantNotOnCommon: def(
    9001023,
    'invalid_request',
    400,
    () =>
      'The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.',
  ),
  resourceNotFound: def(
    500011,
    'invalid_resource',
    400,
    (p) =>
      `The resource principal named ${p.resource} was not found in the tenant named ${p.tenantName}. ${NOT_INSTALLED} You might have sent your authentication request to the wrong tenant.`,
  ),
  // scopes
  clientCredentialsScopeNotDefault: def(
    1002012,
    'invalid_scope',
    400,
    (p) =>
      `The provided value for scope ${p.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  ),
  invalidScope: def(
    70011,
    'invalid_scope',
    400,
    (p) =>
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${p.scope} is not valid. The scope format is invalid. Scope must be in a valid URI form <https://example/scope> or a valid Guid <guid/scope>.`,
  ),
  scopeNotOnResource: def(
    650053,
    'invalid_scope',
    400,
    (p) =>
      `The application '${p.appName}' asked for scope '${p.scope}' that doesn't exist on the resource '${p.resourceAppId}'. Contact the app vendor.`,
  ),
  multipleResources: def(
    28000,
    'invalid_scope',
    400,
    (p) =>
      `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${p.scope} is not valid.`,
  ),
  missingRequiredField: def(
    90014,
    'invalid_request',
    400,
    (p) =>
      `The required field '${p.name}' is missing from the credential. Ensure that you have all the necessary parameters for the login request.`,
  ),
  clientCredentialsNeedCredential: def(
    7000216,
    'invalid_client',
    401,
    () => "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
  ),
  // consent
  consentRequired: def(
    65001,
    'invalid_grant',
    400,
    (p) =>
      `The user or administrator has not consented to use the application with ID '${p.appId}' named '${p.appName}'. Send an interactive authorization request for this user and resource.`,
    'consent_required',
  ),
  /** 65001 as /authorize redirects it (prompt=none): the authorization endpoint's `consent_required` error. */
  consentRequiredInteractive: def(
    65001,
    'consent_required',
    400,
    (p) =>
      `The user or administrator has not consented to use the application with ID '${p.appId}' named '${p.appName}'. Send an interactive authorization request for this user and resource.`,
  ),
  consentDeclined: def(65004, 'access_denied', 400, () => 'User declined to consent to access the app.'),
  adminApprovalRequired: def(90094, 'access_denied', 400, () => 'The grant requires admin permission.'),
  // users
  badPassword: def(
    50126,
    'invalid_grant',
    400,
    () => 'Error validating credentials due to invalid username or password.',
  ),
  userNotFound: def(
    50034,
    'invalid_grant',
    400,
    (p) =>
      `The user account {EmailHidden} does not exist in the ${p.tenant} directory. To sign into this application, the account must be added to the directory.`,
  ),
  userDisabled: def(50057, 'invalid_grant', 400, () => 'The user account is disabled.'),
  mfaRequired: def(
    50076,
    'invalid_grant',
    400,
    (p) =>
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${p.resource}'.`,
    'basic_action',
  ),
  blockedByConditionalAccess: def(
    53003,
    'interaction_required',
    400,
    () => 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    'message_only',
  ),
  mfaDenied: def(500121, 'access_denied', 400, () => 'Authentication failed during strong authentication request.'),
  loginRequired: def(50058, 'login_required', 400, () => 'A silent sign-in request was sent but no user is signed in.'),
  // codes and tokens
  redirectUriMismatch: def(
    50011,
    'invalid_request',
    400,
    (p) =>
      `The redirect URI '${p.redirectUri}' specified in the request does not match the redirect URIs configured for the application '${p.appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
  ),
  noRedirectUri: def(500113, 'invalid_request', 400, () => 'No reply address is registered for the application.'),
  codeInvalid: def(70000, 'invalid_grant', 400, () => "The provided value for the 'code' parameter is not valid."),
  codeExpiredAt: def(
    70000,
    'invalid_grant',
    400,
    () => "The provided value for the 'code' parameter is not valid. The code has expired.",
  ),
  refreshTokenInvalid: def(
    70000,
    'invalid_grant',
    400,
    () => "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid.",
  ),
  replyAddressMismatchAtRedemption: def(
    500112,
    'invalid_grant',
    400,
    (p) =>
      `The reply address '${p.redirectUri}' does not match the reply address '${p.expected}' provided when requesting Authorization code.`,
  ),
  userNotInTenant: def(
    50020,
    'access_denied',
    400,
    (p) =>
      `User account '{EmailHidden}' from identity provider 'https://sts.windows.net/${p.userTenantId}/' does not exist in tenant '${p.tenantName}' and cannot access the application '${p.appId}'(${p.appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
  ),
  noTenantInformation: def(
    50059,
    'invalid_request',
    400,
    () => 'No tenant-identifying information found in either the request or implied by any provided credentials.',
  ),
  unsupportedPrompt: def(90023, 'invalid_request', 400, () => "Unsupported 'prompt' value."),
  invalidRedirectUri: def(90102, 'invalid_request', 400, () => "'redirect_uri' value must be a valid absolute URI."),
  codeExpired: def(
    70008,
    'invalid_grant',
    400,
    () =>
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  ),
  codeRedeemed: def(
    54005,
    'invalid_grant',
    400,
    () =>
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  ),
  pkceMismatch: def(
    501481,
    'invalid_grant',
    400,
    () => 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  ),
  pkceVerifierMissing: def(
    9002325,
    'invalid_request',
    400,
    () => 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.',
  ),
  refreshTokenInactive: def(
    700082,
    'invalid_grant',
    400,
    (p) =>
      `The refresh token has expired due to inactivity. The token was issued on ${p.issuedAt} and was inactive for ${p.inactiveFor}.`,
    'bad_token',
  ),
  refreshTokenRevoked: def(
    50173,
    'invalid_grant',
    400,
    (p) =>
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${p.issuedAt}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${p.validFrom}'.`,
  ),
  refreshTokenMalformed: def(9002313, 'invalid_grant', 400, () => 'Invalid request. Request is malformed or invalid.'),
  codeForOtherTenant: def(
    700005,
    'invalid_grant',
    400,
    () => 'Provided Authorization Code is intended to use against other tenant, thus rejected.',
  ),
  spaCodeNeedsCrossOrigin: def(
    9002327,
    'invalid_request',
    400,
    () => "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
  ),
  crossOriginOnlyForSpa: def(
    9002326,
    'invalid_request',
    400,
    (p) =>
      `Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '${p.origin}'.`,
  ),
  spaRefreshTokenExpired: def(
    700084,
    'invalid_grant',
    400,
    (p) =>
      `The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on ${p.issuedAt}.`,
    'bad_token',
  ),
  // device code
  authorizationPending: def(
    70016,
    'authorization_pending',
    400,
    () => 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  ),
  slowDown: def(70016, 'slow_down', 400, () => 'OAuth 2.0 device flow error. Polling too frequently. Slow down.'),
  deviceCodeExpired: def(
    70020,
    'expired_token',
    400,
    () => "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
  ),
  deviceCodeDeclined: def(
    70016,
    'authorization_declined',
    400,
    () => 'OAuth 2.0 device flow error. The user declined the authorization request.',
  ),
  badVerificationCode: def(
    70018,
    'bad_verification_code',
    400,
    () => "The provided value for the input parameter 'device_code' is not valid.",
  ),
  // request shape
  missingParameter: def(
    900144,
    'invalid_request',
    400,
    (p) => `The request body must contain the following parameter: '${p.name}'.`,
  ),
  unsupportedGrantType: def(
    70003,
    'unsupported_grant_type',
    400,
    (p) => `The app requested an unsupported grant type '${p.grantType}'.`,
  ),
  unsupportedResponseType: def(
    700054,
    'unsupported_response_type',
    400,
    (p) => `response_type '${p.responseType}' is not enabled for the application.`,
  ),
  postOnly: def(
    900561,
    'invalid_request',
    400,
    () => 'The endpoint only accepts POST, OPTIONS requests. Received a GET request.',
  ),
  invalidInstance: def(50049, 'invalid_instance', 400, () => 'Unknown or invalid instance.'),
} satisfies Record<string, AadstsDefinition>;

export type AadstsKey = keyof typeof AADSTS;

/** An identity platform error, thrown by a handler and rendered as OAuth JSON or as an error page. */
export class IdentityError extends Error {
  readonly definition: AadstsDefinition;
  constructor(
    readonly key: AadstsKey,
    readonly params: Params = {},
  ) {
    const definition: AadstsDefinition = AADSTS[key];
    super(`AADSTS${definition.code}: ${definition.message(params)}`);
    this.definition = definition;
  }

  get code(): number {
    return this.definition.code;
  }
}

export function aadsts(key: AadstsKey, params: Params = {}): IdentityError {
  return new IdentityError(key, params);
}

/** Entra's ISO form with seven fractional digits ("2024-01-01T10:00:00.0000000Z"), used inside messages. */
export function entraDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.0000000Z');
}

/** The identity platform's timestamp format: "2016-01-09 02:02:12Z". */
export function aadTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export interface ErrorContext {
  traceId: string;
  correlationId: string;
  nowMs: number;
  origin: string;
}

/** The "Trace ID / Correlation ID / Timestamp" lines every error description ends with. */
export function errorTrailer(ctx: ErrorContext, timestamp = aadTimestamp(ctx.nowMs)): string {
  return `\r\nTrace ID: ${ctx.traceId}\r\nCorrelation ID: ${ctx.correlationId}\r\nTimestamp: ${timestamp}`;
}

/** The JSON body the token and device-code endpoints answer an error with. */
export function oauthErrorBody(err: IdentityError, ctx: ErrorContext): Record<string, unknown> {
  const timestamp = aadTimestamp(ctx.nowMs);
  const message = err.definition.message({
    ...err.params,
    traceId: ctx.traceId,
    correlationId: ctx.correlationId,
    timestamp,
  });
  const body: Record<string, unknown> = {
    error: err.definition.error,
    error_description: `AADSTS${err.code}: ${message}${errorTrailer(ctx, timestamp)}`,
    error_codes: [err.code],
    timestamp,
    trace_id: ctx.traceId,
    correlation_id: ctx.correlationId,
    error_uri: `${ctx.origin}/error?code=${err.code}`,
  };
  if (err.definition.suberror) body.suberror = err.definition.suberror;
  return body;
}
