import type { FastifyInstance } from 'fastify';
import { aadsts, IdentityError } from './aadsts.js';
import type { IdentityContext } from './context.js';
import { correlationIdOf, originOf, sendOAuthError } from './http.js';
import { canonicalSegment, resolveTenantSegment } from './tenant-segment.js';

/**
 * OpenID Connect discovery, the signing keys and MSAL's instance discovery, shaped like Entra's. The endpoints
 * point back at the sandbox's own origin; `msgraph_host` names the sandbox too, since Graph is served there.
 */
export function registerDiscoveryRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
    const correlationId = correlationIdOf(request);
    try {
      const segment = resolveTenantSegment(ctx.directory, request.params.tenant);
      const origin = originOf(request);
      const seg = canonicalSegment(segment);
      const issuerTenant = segment.kind === 'tenant' ? segment.tenant.id : '{tenantid}';
      reply.header('cache-control', 'max-age=86400, private');
      reply.header('access-control-allow-origin', '*');
      return {
        token_endpoint: `${origin}/${seg}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${origin}/${seg}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${origin}/${issuerTenant}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${origin}/oidc/userinfo`,
        authorization_endpoint: `${origin}/${seg}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${origin}/${seg}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${origin}/${seg}/oauth2/v2.0/logout`,
        claims_supported: [
          'sub',
          'iss',
          'cloud_instance_name',
          'cloud_instance_host_name',
          'cloud_graph_host_name',
          'msgraph_host',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'acr',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'at_hash',
          'c_hash',
          'email',
        ],
        kerberos_endpoint: `${origin}/${seg}/kerberos`,
        tenant_region_scope: segment.kind === 'tenant' ? 'EU' : null,
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: request.host,
        rbac_url: 'https://pas.windows.net',
      };
    } catch (err) {
      if (err instanceof IdentityError) return sendOAuthError(ctx, request, reply, err, correlationId);
      throw err;
    }
  });

  const keys = async (request: { params: { tenant: string } }) => {
    resolveTenantSegment(ctx.directory, request.params.tenant);
    return ctx.keys.jwks();
  };
  for (const path of ['/:tenant/discovery/v2.0/keys', '/:tenant/discovery/keys']) {
    app.get<{ Params: { tenant: string } }>(path, async (request, reply) => {
      try {
        reply.header('cache-control', 'max-age=86400, private');
        reply.header('access-control-allow-origin', '*');
        return await keys(request);
      } catch (err) {
        if (err instanceof IdentityError) return sendOAuthError(ctx, request, reply, err, correlationIdOf(request));
        throw err;
      }
    });
  }

  app.get<{ Querystring: { authorization_endpoint?: string; 'api-version'?: string } }>(
    '/common/discovery/instance',
    async (request, reply) => {
      const endpoint = request.query.authorization_endpoint;
      let host: string | undefined;
      let tenant = 'common';
      try {
        const url = new URL(endpoint ?? '');
        host = url.host;
        tenant = url.pathname.split('/')[1] || 'common';
      } catch {
        host = undefined;
      }
      if (!host || host.toLowerCase() !== request.host.toLowerCase()) {
        return sendOAuthError(ctx, request, reply, aadsts('invalidInstance'), correlationIdOf(request));
      }
      return {
        tenant_discovery_endpoint: `${originOf(request)}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: request.host, preferred_cache: request.host, aliases: [request.host] }],
      };
    },
  );
}
