import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { GraphContext } from '../graph/context.js';
import type { NewFault } from '../graph/traffic/faults.js';
import { WORKLOADS } from '../graph/workloads.js';
import type { IdentitySettings } from '../identity/context.js';
import {
  addCertificate,
  addSecret,
  createApplication,
  InvalidCertificateError,
  requiredResourceAccess,
} from '../tenant/app-registrations.js';
import { type ChurnRequest, churn } from '../tenant/churn.js';
import { UnknownPermissionError } from '../tenant/directory.js';
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Group, type Tenant, type User } from '../tenant/model.js';
import { createSelfSignedCertificate } from '../tls/x509.js';
import { type ControlDeps, ControlError, controlNotFound } from './deps.js';
import { applicationView, groupView, servicePrincipalViews, tenantSummary, tenantView, userView } from './views.js';

export type { ControlDeps } from './deps.js';

const notFound = controlNotFound;

const stringArray = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const permissionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { application: stringArray, delegated: stringArray },
} as const;
const redirectUrisSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { web: stringArray, publicClient: stringArray, spa: stringArray },
} as const;
const audience = { type: 'string', enum: ['AzureADMyOrg', 'AzureADMultipleOrgs'] } as const;

/**
 * The `/_sandbox` control API: how tests, benchmarks and demos build a scenario (tenants, users, app
 * registrations, secrets, certificates, consent) and move the sandbox clock. Documented in the sandbox README.
 */
export function registerControlRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const { directory, clock } = deps;

  const tenantOf = (tid: string): Tenant => {
    const tenant = directory.findTenant(tid);
    if (!tenant) throw notFound(`tenant '${tid}' does not exist in the sandbox`);
    return tenant;
  };
  const userOf = (tenant: Tenant, idOrUpn: string): User => {
    const user = directory.findUser(tenant, idOrUpn);
    if (!user) throw notFound(`user '${idOrUpn}' does not exist in tenant ${tenant.defaultDomain}`);
    return user;
  };
  const applicationOf = (appId: string) => {
    const found = directory.findApplication(appId);
    if (!found) throw notFound(`application '${appId}' is not registered in any sandbox tenant`);
    return found;
  };
  const homeApplicationOf = (tenant: Tenant, appId: string) => {
    const application = tenant.applications.get(appId.toLowerCase());
    if (!application) throw notFound(`application '${appId}' is not registered in tenant ${tenant.defaultDomain}`);
    return application;
  };

  app.register(
    async (control) => {
      control.setErrorHandler((error: Error & { validation?: unknown; statusCode?: number }, _request, reply) => {
        if (error instanceof ControlError) return send(reply, error.status, error.code, error.message);
        if (error instanceof UnknownPermissionError || error instanceof InvalidCertificateError) {
          return send(reply, 400, 'BadRequest', error.message);
        }
        if (error.validation || (error.statusCode && error.statusCode < 500)) {
          return send(reply, error.statusCode ?? 400, 'BadRequest', error.message);
        }
        return send(reply, 500, 'InternalError', error.message);
      });

      control.get('/health', async () => ({ status: 'ok' }));
      control.get('/state', async () => deps.state());

      control.get('/clock', async () => ({ now: clock.iso(), offsetSeconds: clock.offset / 1000 }));
      control.post<{ Body: { advanceSeconds: number } }>(
        '/clock',
        {
          schema: {
            body: {
              type: 'object',
              required: ['advanceSeconds'],
              additionalProperties: false,
              properties: { advanceSeconds: { type: 'number', minimum: 0 } },
            },
          },
        },
        async (request) => {
          clock.advance(request.body.advanceSeconds * 1000);
          return { now: clock.iso(), offsetSeconds: clock.offset / 1000 };
        },
      );
      control.delete('/clock', async () => {
        clock.reset();
        return { now: clock.iso(), offsetSeconds: 0 };
      });

      const allSettings = () => ({ ...deps.settings, ...deps.graph.settings });
      control.get('/settings', async () => allSettings());
      control.patch<{ Body: Partial<IdentitySettings> & Partial<GraphContext['settings']> }>(
        '/settings',
        {
          schema: {
            body: {
              type: 'object',
              additionalProperties: false,
              properties: {
                accessTokenLifetimeSeconds: { type: 'integer', minimum: 60, maximum: 86_400 },
                deviceCodeIntervalSeconds: { type: 'integer', minimum: 1, maximum: 60 },
                deviceCodeExpiresInSeconds: { type: 'integer', minimum: 10, maximum: 3600 },
                refreshTokenMaxInactiveSeconds: { type: 'integer', minimum: 60 },
                authorizationCodeLifetimeSeconds: { type: 'integer', minimum: 10, maximum: 3600 },
                deltaTokenLifetimeSeconds: { type: 'integer', minimum: 1 },
                deltaPageSize: { type: 'integer', minimum: 1, maximum: 1000 },
                expiredDeltaStatus: { type: 'integer', enum: [400, 410] },
              },
            },
          },
        },
        async (request) => {
          const { deltaTokenLifetimeSeconds, deltaPageSize, expiredDeltaStatus, ...identity } = request.body as Record<
            string,
            number
          >;
          Object.assign(deps.settings, identity);
          const graph = { deltaTokenLifetimeSeconds, deltaPageSize, expiredDeltaStatus };
          for (const [key, value] of Object.entries(graph))
            if (value !== undefined) Object.assign(deps.graph.settings, { [key]: value });
          return allSettings();
        },
      );

      control.get('/tenants', async () => [...directory.tenants.values()].map((t) => tenantSummary(directory, t)));
      control.post<{ Body: { displayName?: string; domain?: string; users?: number } }>(
        '/tenants',
        {
          schema: {
            body: {
              type: 'object',
              additionalProperties: false,
              properties: {
                displayName: { type: 'string', minLength: 1, maxLength: 256 },
                domain: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,26}$' },
                users: { type: 'integer', minimum: 1, maximum: 200_000 },
              },
            },
          },
        },
        async (request, reply) => {
          const domain = request.body?.domain;
          if (domain && directory.findTenant(`${domain}.onmicrosoft.com`)) {
            throw new ControlError(409, 'Conflict', `${domain}.onmicrosoft.com is already taken`);
          }
          const tenant = deps.createTenant(request.body ?? {});
          return reply.code(201).send(tenantSummary(directory, tenant));
        },
      );
      control.get<{ Params: { tid: string } }>('/tenants/:tid', async (request) =>
        tenantView(directory, tenantOf(request.params.tid)),
      );
      control.patch<{ Params: { tid: string }; Body: Partial<Tenant['settings']> }>(
        '/tenants/:tid/settings',
        {
          schema: {
            body: {
              type: 'object',
              additionalProperties: false,
              properties: {
                usersCanConsent: { type: 'boolean' },
                sharingCapability: {
                  type: 'string',
                  enum: [
                    'disabled',
                    'externalUserSharingOnly',
                    'externalUserAndGuestSharing',
                    'existingExternalUserSharingOnly',
                  ],
                },
                premiumLicense: { type: 'boolean' },
              },
            },
          },
        },
        async (request) => Object.assign(tenantOf(request.params.tid).settings, request.body),
      );

      // ---- users ----
      const userPatch = {
        type: 'object',
        additionalProperties: false,
        properties: {
          password: { type: 'string', minLength: 1 },
          mfaRequired: { type: 'boolean' },
          conditionalAccessBlocked: { type: 'boolean' },
          accountEnabled: { type: 'boolean' },
          mailboxEnabled: { type: 'boolean' },
          oneDriveProvisioned: { type: 'boolean' },
          isAdmin: { type: 'boolean' },
          displayName: { type: 'string', minLength: 1 },
          jobTitle: { type: 'string' },
          department: { type: 'string' },
        },
      } as const;
      type UserPatch = Partial<{
        password: string;
        mfaRequired: boolean;
        conditionalAccessBlocked: boolean;
        accountEnabled: boolean;
        mailboxEnabled: boolean;
        oneDriveProvisioned: boolean;
        isAdmin: boolean;
        displayName: string;
        jobTitle: string;
        department: string;
      }>;
      const applyUserPatch = (user: User, patch: UserPatch) => {
        const { isAdmin, ...fields } = patch;
        Object.assign(user, fields);
        if (patch.password !== undefined) user.lastPasswordChangeDateTime = clock.iso();
        if (isAdmin !== undefined) {
          user.directoryRoleIds = user.directoryRoleIds.filter((r) => r !== GLOBAL_ADMINISTRATOR_ROLE_ID);
          if (isAdmin) user.directoryRoleIds.push(GLOBAL_ADMINISTRATOR_ROLE_ID);
        }
      };

      control.post<{ Params: { tid: string }; Body: UserPatch & { userPrincipalName?: string; displayName: string } }>(
        '/tenants/:tid/users',
        {
          schema: {
            body: {
              ...userPatch,
              required: ['displayName'],
              properties: {
                ...userPatch.properties,
                userPrincipalName: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' },
              },
            },
          },
        },
        async (request, reply) => {
          const tenant = tenantOf(request.params.tid);
          const { userPrincipalName, ...patch } = request.body;
          const nick = (
            userPrincipalName?.split('@')[0] ?? patch.displayName.toLowerCase().replace(/[^a-z0-9]+/g, '.')
          ).replace(/^\.|\.$/g, '');
          const upn = userPrincipalName ?? `${nick}@${tenant.defaultDomain}`;
          const domain = upn.split('@')[1]!.toLowerCase();
          if (!tenant.verifiedDomains.some((d) => d.name.toLowerCase() === domain)) {
            throw new ControlError(
              400,
              'BadRequest',
              `${domain} is not a verified domain of tenant ${tenant.defaultDomain}`,
            );
          }
          if (directory.findUser(tenant, upn)) throw new ControlError(409, 'Conflict', `${upn} already exists`);
          const now = clock.iso();
          const user: User = {
            id: randomUUID(),
            userPrincipalName: upn,
            displayName: patch.displayName,
            givenName: null,
            surname: null,
            mail: upn,
            mailNickname: nick,
            jobTitle: null,
            department: null,
            officeLocation: null,
            city: null,
            country: null,
            usageLocation: 'GB',
            mobilePhone: null,
            businessPhones: [],
            employeeId: null,
            companyName: tenant.displayName,
            managerId: null,
            accountEnabled: true,
            userType: 'Member',
            createdDateTime: now,
            assignedLicenses: [],
            directoryRoleIds: [],
            password: `Sandbox-${randomUUID().slice(0, 8)}!`,
            mfaRequired: false,
            conditionalAccessBlocked: false,
            signInSessionsValidFromDateTime: now,
            lastPasswordChangeDateTime: now,
            mailboxEnabled: true,
            oneDriveProvisioned: true,
          };
          applyUserPatch(user, patch);
          directory.writes.addUser(tenant, user);
          return reply.code(201).send(userView(directory, user));
        },
      );
      control.get<{ Params: { tid: string; user: string } }>('/tenants/:tid/users/:user', async (request) => {
        const tenant = tenantOf(request.params.tid);
        return userView(directory, userOf(tenant, request.params.user));
      });
      control.patch<{ Params: { tid: string; user: string }; Body: UserPatch }>(
        '/tenants/:tid/users/:user',
        { schema: { body: userPatch } },
        async (request) => {
          const tenant = tenantOf(request.params.tid);
          const user = userOf(tenant, request.params.user);
          applyUserPatch(user, request.body);
          directory.writes.updateUser(tenant, user, {}, Object.keys(request.body));
          return userView(directory, user);
        },
      );
      control.post<{ Params: { tid: string; user: string } }>(
        '/tenants/:tid/users/:user/revokeSignInSessions',
        async (request) => {
          const tenant = tenantOf(request.params.tid);
          directory.writes.updateUser(tenant, userOf(tenant, request.params.user), {
            signInSessionsValidFromDateTime: clock.iso(),
          });
          return { value: true };
        },
      );

      // ---- applications ----
      control.post<{ Params: { tid: string }; Body: Parameters<typeof createApplication>[2] }>(
        '/tenants/:tid/applications',
        {
          schema: {
            body: {
              type: 'object',
              required: ['displayName'],
              additionalProperties: false,
              properties: {
                displayName: { type: 'string', minLength: 1, maxLength: 120 },
                signInAudience: audience,
                redirectUris: redirectUrisSchema,
                allowPublicClient: { type: 'boolean' },
                requiredPermissions: permissionsSchema,
                grantAdminConsent: { type: 'boolean' },
                secret: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    expiresInDays: { type: 'integer', minimum: -3650, maximum: 3650 },
                    displayName: { type: 'string' },
                  },
                },
              },
            },
          },
        },
        async (request, reply) => {
          const tenant = tenantOf(request.params.tid);
          const { application, servicePrincipal, secret } = createApplication(directory, tenant, request.body);
          return reply.code(201).send({
            appId: application.appId,
            objectId: application.id,
            servicePrincipalId: servicePrincipal.id,
            ...(secret ? { secret } : {}),
          });
        },
      );
      control.get<{ Params: { tid: string; appId: string } }>('/tenants/:tid/applications/:appId', async (request) =>
        applicationView(homeApplicationOf(tenantOf(request.params.tid), request.params.appId)),
      );
      control.patch<{
        Params: { tid: string; appId: string };
        Body: {
          accountEnabled?: boolean;
          displayName?: string;
          signInAudience?: 'AzureADMyOrg' | 'AzureADMultipleOrgs';
          redirectUris?: { web?: string[]; publicClient?: string[]; spa?: string[] };
          allowPublicClient?: boolean;
          requiredPermissions?: { application?: string[]; delegated?: string[] };
        };
      }>(
        '/tenants/:tid/applications/:appId',
        {
          schema: {
            body: {
              type: 'object',
              additionalProperties: false,
              properties: {
                accountEnabled: { type: 'boolean' },
                displayName: { type: 'string', minLength: 1, maxLength: 120 },
                signInAudience: audience,
                redirectUris: redirectUrisSchema,
                allowPublicClient: { type: 'boolean' },
                requiredPermissions: permissionsSchema,
              },
            },
          },
        },
        async (request) => {
          const tenant = tenantOf(request.params.tid);
          const { application } = applicationOf(request.params.appId);
          const body = request.body;
          // accountEnabled lives on the service principal of the tenant named in the path (home or customer).
          if (body.accountEnabled !== undefined) {
            const sp = directory.servicePrincipal(tenant, application.appId);
            if (!sp)
              throw notFound(`application '${application.appId}' has no service principal in ${tenant.defaultDomain}`);
            sp.accountEnabled = body.accountEnabled;
          }
          const isHome = application.homeTenantId === tenant.id;
          const registrationChange = Object.keys(body).some((k) => k !== 'accountEnabled');
          if (registrationChange && !isHome) {
            throw new ControlError(400, 'BadRequest', 'only the home tenant can change an app registration');
          }
          if (body.displayName) application.displayName = body.displayName;
          if (body.signInAudience) application.signInAudience = body.signInAudience;
          if (body.allowPublicClient !== undefined) application.isFallbackPublicClient = body.allowPublicClient;
          if (body.redirectUris?.web) application.web.redirectUris = body.redirectUris.web;
          if (body.redirectUris?.publicClient) application.publicClient.redirectUris = body.redirectUris.publicClient;
          if (body.redirectUris?.spa) application.spa.redirectUris = body.redirectUris.spa;
          if (body.requiredPermissions)
            application.requiredResourceAccess = requiredResourceAccess(body.requiredPermissions);
          return {
            ...applicationView(application),
            servicePrincipals: servicePrincipalViews(tenant).filter((s) => s.appId === application.appId),
          };
        },
      );
      control.post<{ Params: { tid: string; appId: string }; Body: { expiresInDays?: number; displayName?: string } }>(
        '/tenants/:tid/applications/:appId/secrets',
        {
          schema: {
            body: {
              type: 'object',
              additionalProperties: false,
              properties: {
                expiresInDays: { type: 'integer', minimum: -3650, maximum: 3650 },
                displayName: { type: 'string' },
              },
            },
          },
        },
        async (request, reply) => {
          const application = homeApplicationOf(tenantOf(request.params.tid), request.params.appId);
          return reply.code(201).send(addSecret(directory, application, request.body ?? {}));
        },
      );
      control.delete<{ Params: { tid: string; appId: string; keyId: string } }>(
        '/tenants/:tid/applications/:appId/secrets/:keyId',
        async (request, reply) => {
          const application = homeApplicationOf(tenantOf(request.params.tid), request.params.appId);
          const before = application.passwordCredentials.length;
          application.passwordCredentials = application.passwordCredentials.filter(
            (c) => c.keyId !== request.params.keyId,
          );
          if (application.passwordCredentials.length === before)
            throw notFound(`secret '${request.params.keyId}' not found`);
          return reply.code(204).send();
        },
      );
      control.post<{
        Params: { tid: string; appId: string };
        Body: { pem?: string; generate?: boolean; displayName?: string; expiresInDays?: number };
      }>(
        '/tenants/:tid/applications/:appId/certificates',
        {
          schema: {
            body: {
              type: 'object',
              additionalProperties: false,
              properties: {
                pem: { type: 'string', minLength: 1 },
                generate: { type: 'boolean' },
                displayName: { type: 'string' },
                expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
              },
            },
          },
        },
        async (request, reply) => {
          const application = homeApplicationOf(tenantOf(request.params.tid), request.params.appId);
          const body = request.body;
          if (!body.pem && !body.generate)
            throw new ControlError(400, 'BadRequest', 'give either pem or generate: true');
          let privateKeyPem: string | undefined;
          let pem = body.pem;
          if (!pem) {
            const pair = await createSelfSignedCertificate(
              `${application.displayName} sandbox`,
              body.expiresInDays ?? 365,
            );
            pem = pair.certPem;
            privateKeyPem = pair.keyPem;
          }
          const credential = addCertificate(application, pem, body.displayName);
          const view = applicationView(application).certificates.find((c) => c.keyId === credential.keyId)!;
          return reply.code(201).send({
            ...view,
            thumbprintSha256: Buffer.from(credential.x5tS256, 'base64url').toString('hex').toUpperCase(),
            certificatePem: credential.certificatePem,
            ...(privateKeyPem ? { privateKeyPem } : {}),
          });
        },
      );

      control.delete<{ Params: { tid: string; user: string }; Querystring: { hard?: string } }>(
        '/tenants/:tid/users/:user',
        async (request, reply) => {
          const tenant = tenantOf(request.params.tid);
          directory.writes.deleteUser(tenant, userOf(tenant, request.params.user), request.query.hard === 'true');
          return reply.code(204).send();
        },
      );

      // ---- groups and churn ----
      control.post<{
        Params: { tid: string };
        Body: {
          displayName: string;
          description?: string;
          mailEnabled?: boolean;
          securityEnabled?: boolean;
          groupTypes?: string[];
          mailNickname?: string;
          members?: string[];
          owners?: string[];
        };
      }>(
        '/tenants/:tid/groups',
        {
          schema: {
            body: {
              type: 'object',
              required: ['displayName'],
              additionalProperties: false,
              properties: {
                displayName: { type: 'string', minLength: 1, maxLength: 256 },
                description: { type: 'string' },
                mailEnabled: { type: 'boolean' },
                securityEnabled: { type: 'boolean' },
                groupTypes: { type: 'array', items: { type: 'string', enum: ['Unified', 'DynamicMembership'] } },
                mailNickname: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
                members: stringArray,
                owners: stringArray,
              },
            },
          },
        },
        async (request, reply) => {
          const tenant = tenantOf(request.params.tid);
          const body = request.body;
          const resolve = (ids: string[] | undefined) =>
            (ids ?? []).map((id) => {
              const user = directory.findUser(tenant, id);
              if (user) return user.id;
              if (tenant.groups.has(id.toLowerCase())) return id.toLowerCase();
              throw notFound(`member '${id}' is neither a user nor a group of ${tenant.defaultDomain}`);
            });
          const unified = body.groupTypes?.includes('Unified') ?? false;
          const mailEnabled = body.mailEnabled ?? unified;
          const nickname = body.mailNickname ?? body.displayName.toLowerCase().replace(/[^a-z0-9]+/g, '');
          const group: Group = {
            id: randomUUID(),
            displayName: body.displayName,
            description: body.description ?? null,
            mailNickname: nickname,
            mail: mailEnabled ? `${nickname}@${tenant.defaultDomain}` : null,
            mailEnabled,
            securityEnabled: body.securityEnabled ?? !unified,
            groupTypes: body.groupTypes ?? [],
            visibility: unified ? 'Private' : null,
            createdDateTime: clock.iso(),
            memberIds: [...new Set(resolve(body.members))],
            ownerIds: resolve(body.owners),
          };
          directory.writes.addGroup(tenant, group);
          return reply.code(201).send(groupView(group));
        },
      );
      control.post<{ Params: { tid: string }; Body: ChurnRequest }>(
        '/tenants/:tid/churn',
        {
          schema: {
            body: {
              type: 'object',
              additionalProperties: false,
              properties: Object.fromEntries(
                ['usersAdded', 'usersUpdated', 'usersDeleted', 'groupsChanged', 'membershipChanges', 'seed'].map(
                  (k) => [k, { type: 'integer', minimum: 0, maximum: 1_000_000 }],
                ),
              ),
            },
          },
        },
        async (request) => churn(tenantOf(request.params.tid), directory.writes, request.body ?? {}),
      );

      // ---- Graph traffic: faults, latency, throttling, stats ----
      control.get('/faults', async () => deps.graph.faults.list());
      control.post<{ Body: NewFault }>(
        '/faults',
        {
          schema: {
            body: {
              type: 'object',
              required: ['pathPattern', 'status'],
              additionalProperties: false,
              properties: {
                pathPattern: { type: 'string', minLength: 1 },
                method: {
                  type: 'string',
                  enum: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'get', 'post', 'patch', 'put', 'delete'],
                },
                status: { type: 'integer', minimum: 400, maximum: 599 },
                retryAfterSeconds: { type: 'number', minimum: 0 },
                count: { type: 'integer', minimum: 1 },
                probability: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
                body: {},
              },
            },
          },
        },
        async (request, reply) => {
          try {
            const { matcher: _m, ...rule } = deps.graph.faults.add(request.body);
            return reply.code(201).send(rule);
          } catch (err) {
            throw new ControlError(400, 'BadRequest', `pathPattern is not a valid pattern: ${(err as Error).message}`);
          }
        },
      );
      control.delete('/faults', async (_request, reply) => {
        deps.graph.faults.clear();
        return reply.code(204).send();
      });
      control.delete<{ Params: { id: string } }>('/faults/:id', async (request, reply) => {
        if (!deps.graph.faults.remove(request.params.id)) throw notFound(`fault '${request.params.id}' not found`);
        return reply.code(204).send();
      });
      control.get('/latency', async () => deps.graph.latency);
      control.put<{ Body: { ms: number; jitterMs?: number } }>(
        '/latency',
        {
          schema: {
            body: {
              type: 'object',
              required: ['ms'],
              additionalProperties: false,
              properties: {
                ms: { type: 'number', minimum: 0, maximum: 60_000 },
                jitterMs: { type: 'number', minimum: 0, maximum: 60_000 },
              },
            },
          },
        },
        async (request) =>
          Object.assign(deps.graph.latency, { ms: request.body.ms, jitterMs: request.body.jitterMs ?? 0 }),
      );
      control.get('/throttling', async () => deps.graph.throttling.settings);
      control.put<{ Body: { enabled?: boolean; scale?: number } }>(
        '/throttling',
        {
          schema: {
            body: {
              type: 'object',
              additionalProperties: false,
              properties: {
                enabled: { type: 'boolean' },
                scale: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
              },
            },
          },
        },
        async (request) => {
          Object.assign(deps.graph.throttling.settings, request.body);
          deps.graph.throttling.reset();
          return deps.graph.throttling.settings;
        },
      );
      control.get('/stats', async () => deps.graph.stats.snapshot());
      control.post('/stats/reset', async () => {
        deps.graph.stats.reset();
        return deps.graph.stats.snapshot();
      });

      for (const workload of WORKLOADS) workload.control?.(control, deps);

      // ---- consent ----
      const consentSchema = {
        type: 'object',
        required: ['appId'],
        additionalProperties: false,
        properties: {
          appId: { type: 'string', minLength: 1 },
          application: stringArray,
          delegated: stringArray,
          principal: { type: 'string', minLength: 1 },
        },
      } as const;
      type ConsentBody = { appId: string; application?: string[]; delegated?: string[]; principal?: string };
      control.post<{ Params: { tid: string }; Body: ConsentBody }>(
        '/tenants/:tid/consent',
        { schema: { body: consentSchema } },
        async (request) => {
          const tenant = tenantOf(request.params.tid);
          const { application, home } = applicationOf(request.body.appId);
          if (application.signInAudience === 'AzureADMyOrg' && home.id !== tenant.id) {
            throw new ControlError(
              400,
              'BadRequest',
              'a single-tenant application cannot be consented into another tenant',
            );
          }
          const sp = directory.ensureServicePrincipal(tenant, application, home);
          directory.grantApplicationPermissions(tenant, sp, request.body.application ?? []);
          if (request.body.delegated?.length) {
            const principalId = request.body.principal ? userOf(tenant, request.body.principal).id : null;
            directory.grantDelegatedPermissions(tenant, sp, request.body.delegated, principalId);
          }
          return servicePrincipalViews(tenant).find((s) => s.appId === application.appId);
        },
      );
      control.delete<{ Params: { tid: string }; Body: ConsentBody }>(
        '/tenants/:tid/consent',
        { schema: { body: consentSchema } },
        async (request) => {
          const tenant = tenantOf(request.params.tid);
          const sp = directory.servicePrincipal(tenant, request.body.appId);
          if (!sp)
            throw notFound(`application '${request.body.appId}' has no service principal in ${tenant.defaultDomain}`);
          directory.revokeConsent(tenant, sp, request.body.application, request.body.delegated);
          return servicePrincipalViews(tenant).find((s) => s.appId === sp.appId);
        },
      );
    },
    { prefix: '/_sandbox' },
  );
}

function send(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}
