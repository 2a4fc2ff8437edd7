import type { FastifyInstance, FastifyRequest } from 'fastify';
import { aadsts, IdentityError } from './aadsts.js';
import type { IdentityContext } from './context.js';
import { opaqueToken } from './grant-store.js';
import { authorizationCodeGrant } from './grants/authorization-code.js';
import { clientCredentialsGrant } from './grants/client-credentials.js';
import { DEVICE_CODE_GRANT, deviceCodeGrant } from './grants/device-code.js';
import { passwordGrant } from './grants/password.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import { correlationIdOf, flattenForm, originOf, sendOAuthError, setTokenHeaders } from './http.js';
import { parseDelegatedScopes } from './scopes.js';
import { resolveTenantSegment } from './tenant-segment.js';
import type { TokenRequest } from './token-request.js';
import { clientInTenant } from './token-request.js';

type Grant = (ctx: IdentityContext, req: TokenRequest) => Promise<Record<string, unknown>>;

const GRANTS: Record<string, Grant> = {
  client_credentials: clientCredentialsGrant,
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  password: passwordGrant,
  [DEVICE_CODE_GRANT]: deviceCodeGrant,
  // msal-node sends the short form; Entra accepts both.
  device_code: deviceCodeGrant,
};

/** Client ID and secret from an HTTP Basic header (RFC 6749 §2.3.1: each part form-urlencoded). */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const header = request.headers.authorization;
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const formDecode = (v: string) => decodeURIComponent(v.replace(/\+/g, ' '));
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function isFormRequest(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

export function registerTokenRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const form = flattenForm(request.body);
    const correlationId = correlationIdOf(request, form);
    try {
      const segment = resolveTenantSegment(ctx.directory, request.params.tenant);
      if (!isFormRequest(request)) throw aadsts('missingParameter', { name: 'grant_type' });
      const grantType = form.grant_type;
      if (!grantType) throw aadsts('missingParameter', { name: 'grant_type' });
      const basic = basicCredentials(request);
      const clientId = form.client_id ?? basic?.id;
      if (!clientId) throw aadsts('missingParameter', { name: 'client_id' });
      const grant = GRANTS[grantType];
      if (!grant) throw aadsts('unsupportedGrantType', { grantType });
      ctx.grants.sweep(ctx.clock.now());
      const body = await grant(ctx, {
        form,
        segment,
        origin: originOf(request),
        clientId,
        credentials: {
          clientSecret: form.client_secret ?? basic?.secret,
          clientAssertion: form.client_assertion,
          clientAssertionType: form.client_assertion_type,
        },
        browserOrigin: typeof request.headers.origin === 'string' ? request.headers.origin : null,
      });
      setTokenHeaders(reply, correlationId, request.id);
      return reply.type('application/json; charset=utf-8').send(body);
    } catch (err) {
      if (err instanceof IdentityError) return sendOAuthError(ctx, request, reply, err, correlationId);
      throw err;
    }
  });

  app.get<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (request, reply) =>
    sendOAuthError(ctx, request, reply, aadsts('postOnly'), correlationIdOf(request)),
  );

  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/devicecode', async (request, reply) => {
    const form = flattenForm(request.body);
    const correlationId = correlationIdOf(request, form);
    try {
      const segment = resolveTenantSegment(ctx.directory, request.params.tenant);
      const clientId = form.client_id;
      if (!clientId) throw aadsts('missingParameter', { name: 'client_id' });
      const pathTenant = segment.kind === 'tenant' ? segment.tenant : null;
      const found = clientInTenant(ctx, clientId, pathTenant, segment.value);
      if (!pathTenant && found.application.signInAudience === 'AzureADMyOrg') throw aadsts('noTenantInformation');
      if (!form.scope) throw aadsts('missingParameter', { name: 'scope' });
      parseDelegatedScopes(form.scope, {
        appName: found.application.displayName,
        tenantName: pathTenant?.displayName ?? segment.value,
      });
      const userCode = ctx.grants.newUserCode();
      const deviceCode = `DAQABAAEAAAD${opaqueToken(150)}`;
      const interval = ctx.settings.deviceCodeIntervalSeconds;
      const expiresIn = ctx.settings.deviceCodeExpiresInSeconds;
      ctx.grants.addDeviceCode({
        deviceCode,
        userCode,
        tenantSegment: segment.value,
        clientId,
        scopes: form.scope.split(/\s+/).filter(Boolean),
        expiresAt: ctx.clock.now() + expiresIn * 1000,
        interval,
        status: 'pending',
        lastPollAt: null,
        tenantId: null,
        userId: null,
        sessionId: null,
        authTime: null,
        amr: [],
      });
      const verificationUri = `${originOf(request)}/devicelogin`;
      setTokenHeaders(reply, correlationId, request.id);
      return reply.type('application/json; charset=utf-8').send({
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: verificationUri,
        expires_in: expiresIn,
        interval,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
      });
    } catch (err) {
      if (err instanceof IdentityError) return sendOAuthError(ctx, request, reply, err, correlationId);
      throw err;
    }
  });
}
