import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { ControlError } from '../../graph/control-api.js';
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type User } from '../../tenant/model.js';
import { newUser } from '../../tenant/new-user.js';
import type { ControlDeps } from '../deps.js';
import { lookups } from '../lookups.js';
import { userView } from '../views.js';

const userPatchSchema = {
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

type CreateUserBody = UserPatch & { userPrincipalName?: string; displayName: string };

/** `/tenants/{tid}/users`: create, read, change, sign out and delete users. */
export const userRoutes: FastifyPluginAsync<ControlDeps> = async (control, { directory, clock }) => {
  const { tenantOf, userOf } = lookups(directory);

  const applyUserPatch = (user: User, patch: UserPatch) => {
    const { isAdmin, ...fields } = patch;
    Object.assign(user, fields);
    if (patch.password !== undefined) user.lastPasswordChangeDateTime = clock.iso();
    if (isAdmin !== undefined) {
      user.directoryRoleIds = user.directoryRoleIds.filter((r) => r !== GLOBAL_ADMINISTRATOR_ROLE_ID);
      if (isAdmin) user.directoryRoleIds.push(GLOBAL_ADMINISTRATOR_ROLE_ID);
    }
  };

  control.post<{ Params: { tid: string }; Body: CreateUserBody }>(
    '/tenants/:tid/users',
    {
      schema: {
        body: {
          ...userPatchSchema,
          required: ['displayName'],
          properties: {
            ...userPatchSchema.properties,
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
      const user = newUser(clock.iso(), {
        userPrincipalName: upn,
        displayName: patch.displayName,
        mailNickname: nick,
        usageLocation: 'GB',
        companyName: tenant.displayName,
        password: `Sandbox-${randomUUID().slice(0, 8)}!`,
      });
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
    { schema: { body: userPatchSchema } },
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
  control.delete<{ Params: { tid: string; user: string }; Querystring: { hard?: string } }>(
    '/tenants/:tid/users/:user',
    async (request, reply) => {
      const tenant = tenantOf(request.params.tid);
      directory.writes.deleteUser(tenant, userOf(tenant, request.params.user), request.query.hard === 'true');
      return reply.code(204).send();
    },
  );
};
