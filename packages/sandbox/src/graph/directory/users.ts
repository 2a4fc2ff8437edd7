import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Tenant, type User } from '../../tenant/model.js';
import type { GraphCall, GraphContext } from '../context.js';
import { badRequest, GraphError, notFound } from '../errors.js';
import { countCollection, entity, listCollection } from '../odata/collection.js';
import { assertPremiumTenant, signInActivityOf } from '../reports/audit-logs.js';
import { graphRoute } from '../route.js';
import { directoryDelta } from './delta.js';
import { directoryObjectJson, directoryObjectSpec, USER_PROPERTIES, userJson, userSpec } from './json.js';
import { DIRECTORY_PERMISSIONS as P } from './permissions.js';
import { directoryRoleId } from './tenant-info.js';

/**
 * `signInActivity` is served only when selected: it needs AuditLog.Read.All besides the users permission, and a tenant
 * with Entra ID P1/P2.
 */
function usersSpec(call: GraphCall) {
  const wanted = call.query.select?.some((p) => p.toLowerCase() === 'signinactivity') ?? false;
  if (!wanted) return userSpec(call.tenant);
  const held = (call.caller.kind === 'app' ? call.caller.roles : call.caller.scopes).map((p) => p.toLowerCase());
  if (!held.includes('auditlog.read.all')) {
    throw new GraphError(
      403,
      'Authentication_MSGraphPermissionMissing',
      'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
    );
  }
  assertPremiumTenant(call.tenant);
  const now = call.ctx.clock.now();
  return userSpec(call.tenant, 'users', { signInActivity: (u) => signInActivityOf(call.tenant, u.id, now) });
}

export function findUser(call: GraphCall, idOrUpn: string): User {
  const user = call.ctx.directory.findUser(call.tenant, idOrUpn);
  if (!user) throw notFound(idOrUpn);
  return user;
}

/** Groups that contain the object directly. */
export function directGroupsOf(tenant: Tenant, id: string): string[] {
  return [...tenant.groups.values()].filter((g) => g.memberIds.includes(id)).map((g) => g.id);
}

/** Groups that contain the object directly or through nested groups. */
export function transitiveGroupsOf(tenant: Tenant, id: string): string[] {
  const seen = new Set<string>();
  const queue = directGroupsOf(tenant, id);
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...directGroupsOf(tenant, next));
  }
  return [...seen];
}

function roleJson(tenant: Tenant, templateId: string) {
  return {
    '@odata.type': '#microsoft.graph.directoryRole',
    id: directoryRoleId(tenant, templateId),
    deletedDateTime: null,
    description:
      'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
    displayName: 'Global Administrator',
    roleTemplateId: templateId,
  };
}

/** memberOf lists groups and directory roles; the members spec serialises both. */
function memberOfBody(call: GraphCall, user: User, transitive: boolean, context: string) {
  const ids = transitive ? transitiveGroupsOf(call.tenant, user.id) : directGroupsOf(call.tenant, user.id);
  const spec = directoryObjectSpec(call.tenant, context);
  const roles = user.directoryRoleIds.includes(GLOBAL_ADMINISTRATOR_ROLE_ID) ? [GLOBAL_ADMINISTRATOR_ROLE_ID] : [];
  const roleObjects = new Map(roles.map((r) => [directoryRoleId(call.tenant, r), roleJson(call.tenant, r)]));
  return listCollection(call, [...ids, ...roleObjects.keys()], {
    ...spec,
    toJson: (id) => roleObjects.get(id) ?? directoryObjectJson(call.tenant, id) ?? { id },
  });
}

type PropertyType = 'string' | 'nullableString' | 'boolean' | 'stringArray' | 'passwordProfile';

/** The user properties a client may write, with the JSON type Graph expects for each. */
const WRITABLE: Record<string, PropertyType> = {
  accountEnabled: 'boolean',
  displayName: 'string',
  givenName: 'nullableString',
  surname: 'nullableString',
  jobTitle: 'nullableString',
  department: 'nullableString',
  officeLocation: 'nullableString',
  mobilePhone: 'nullableString',
  businessPhones: 'stringArray',
  usageLocation: 'nullableString',
  city: 'nullableString',
  country: 'nullableString',
  companyName: 'nullableString',
  employeeId: 'nullableString',
  mailNickname: 'string',
  userPrincipalName: 'string',
  passwordProfile: 'passwordProfile',
  mail: 'nullableString',
};

function hasType(value: unknown, type: PropertyType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string' && value.trim() !== '';
    case 'nullableString':
      return value === null || typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'stringArray':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'passwordProfile':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

/** Unknown properties and values of the wrong type are refused before anything is stored. */
function assertWritable(body: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('@')) continue;
    const type = WRITABLE[key];
    if (!type) {
      throw new GraphError(
        400,
        'BadRequest',
        `The property '${key}' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
    if (!hasType(value, type)) {
      throw badRequest(`Invalid value specified for property '${key}' of resource 'User'.`);
    }
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      'BadRequest',
    );
  return body as Record<string, unknown>;
}

function assertUpnDomain(tenant: Tenant, upn: string): void {
  const domain = upn.split('@')[1]?.toLowerCase();
  if (!domain || !tenant.verifiedDomains.some((d) => d.name.toLowerCase() === domain)) {
    throw badRequest(
      'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
    );
  }
}

/** `User.ReadWrite` is a permission on the signed-in user only; other delegated permissions reach every user. */
function assertMayWriteUser(call: GraphCall, target: User): void {
  if (call.caller.kind !== 'user') return;
  const broad = [
    'User.ReadWrite.All',
    'Directory.ReadWrite.All',
    'User.ManageIdentities.All',
    'User.EnableDisableAccount.All',
  ];
  const held = new Set(call.caller.scopes.map((s) => s.toLowerCase()));
  if (broad.some((p) => held.has(p.toLowerCase()))) return;
  if (target.id !== call.caller.user?.id) {
    throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
}

export function registerUserRoutes(app: FastifyInstance, ctx: GraphContext): void {
  const route = (r: Parameters<typeof graphRoute>[2]) => graphRoute(app, ctx, r);
  const users = (call: GraphCall) => [...call.tenant.users.values()];

  route({
    method: 'GET',
    url: '/users',
    permissions: P.listUsers,
    cost: 2,
    handler: (call) => listCollection(call, users(call), usersSpec(call)),
  });
  route({
    method: 'GET',
    url: '/users/$count',
    permissions: P.listUsers,
    cost: 2,
    handler: (call) => countCollection(call, users(call), userSpec(call.tenant)),
  });
  for (const url of ['/users/delta', '/users/delta()']) {
    route({ method: 'GET', url, permissions: P.usersDelta, handler: (call) => directoryDelta(call, 'users') });
  }
  route({
    method: 'GET',
    url: '/users/:id',
    permissions: P.getUser,
    handler: (call) => {
      const user = findUser(call, call.params.id!);
      const spec = usersSpec(call);
      return entity(call, 'users', spec.toJson(user), spec, user);
    },
  });
  route({
    method: 'POST',
    url: '/users',
    permissions: P.createUser,
    handler: (call) => {
      const body = asObject(call.body);
      assertWritable(body);
      for (const required of [
        'accountEnabled',
        'displayName',
        'mailNickname',
        'userPrincipalName',
        'passwordProfile',
      ]) {
        if (body[required] === undefined || body[required] === null || body[required] === '') {
          throw badRequest(`Property '${required}' value is required but is empty or missing.`);
        }
      }
      const upn = String(body.userPrincipalName);
      assertUpnDomain(call.tenant, upn);
      if (call.ctx.directory.findUser(call.tenant, upn)) {
        throw badRequest('Another object with the same value for property userPrincipalName already exists.');
      }
      const password = (body.passwordProfile as { password?: unknown } | undefined)?.password;
      if (typeof password !== 'string' || password.length < 8) {
        throw badRequest(
          'The specified password does not comply with password complexity requirements. Please provide a different password.',
        );
      }
      const now = call.ctx.clock.iso();
      const user: User = {
        id: randomUUID(),
        userPrincipalName: upn,
        displayName: String(body.displayName),
        givenName: (body.givenName as string) ?? null,
        surname: (body.surname as string) ?? null,
        mail: (body.mail as string) ?? null,
        mailNickname: String(body.mailNickname),
        jobTitle: (body.jobTitle as string) ?? null,
        department: (body.department as string) ?? null,
        officeLocation: (body.officeLocation as string) ?? null,
        city: (body.city as string) ?? null,
        country: (body.country as string) ?? null,
        usageLocation: (body.usageLocation as string) ?? null,
        mobilePhone: (body.mobilePhone as string) ?? null,
        businessPhones: (body.businessPhones as string[]) ?? [],
        employeeId: (body.employeeId as string) ?? null,
        companyName: (body.companyName as string) ?? null,
        managerId: null,
        accountEnabled: Boolean(body.accountEnabled),
        userType: 'Member',
        createdDateTime: now,
        assignedLicenses: [],
        directoryRoleIds: [],
        password,
        mfaRequired: false,
        conditionalAccessBlocked: false,
        signInSessionsValidFromDateTime: now,
        lastPasswordChangeDateTime: now,
        mailboxEnabled: false,
        oneDriveProvisioned: false,
      };
      call.ctx.directory.writes.addUser(call.tenant, user);
      return {
        status: 201,
        body: { '@odata.context': `${call.origin}/v1.0/$metadata#users/$entity`, ...userJson(user) },
      };
    },
  });
  route({
    method: 'PATCH',
    url: '/users/:id',
    permissions: P.updateUser,
    handler: (call) => {
      const user = findUser(call, call.params.id!);
      const body = asObject(call.body);
      assertWritable(body);
      assertMayWriteUser(call, user);
      const { passwordProfile, ...fields } = body as Record<string, unknown> & {
        passwordProfile?: { password?: string };
      };
      if (typeof fields.userPrincipalName === 'string') {
        assertUpnDomain(call.tenant, fields.userPrincipalName);
        const holder = call.ctx.directory.findUser(call.tenant, fields.userPrincipalName);
        if (holder && holder.id !== user.id) {
          throw badRequest('Another object with the same value for property userPrincipalName already exists.');
        }
      }
      const patch: Partial<User> = { ...(fields as Partial<User>) };
      if (passwordProfile?.password) {
        patch.password = passwordProfile.password;
        patch.lastPasswordChangeDateTime = call.ctx.clock.iso();
      }
      call.ctx.directory.writes.updateUser(call.tenant, user, patch);
      return undefined;
    },
  });
  route({
    method: 'DELETE',
    url: '/users/:id',
    permissions: P.deleteUser,
    handler: (call) => {
      call.ctx.directory.writes.deleteUser(call.tenant, findUser(call, call.params.id!));
      return undefined;
    },
  });
  route({
    method: 'GET',
    url: '/users/:id/manager',
    permissions: P.manager,
    handler: (call) => {
      const user = findUser(call, call.params.id!);
      const manager = user.managerId ? call.tenant.users.get(user.managerId) : undefined;
      if (!manager) throw notFound('manager');
      return entity(
        call,
        'directoryObjects',
        { '@odata.type': '#microsoft.graph.user', ...userJson(manager) },
        { properties: USER_PROPERTIES, typeName: 'user' },
      );
    },
  });
  route({
    method: 'GET',
    url: '/users/:id/memberOf',
    permissions: P.memberOf,
    cost: 2,
    handler: (call) => memberOfBody(call, findUser(call, call.params.id!), false, 'directoryObjects'),
  });
  route({
    method: 'GET',
    url: '/users/:id/transitiveMemberOf',
    permissions: P.transitiveMemberOf,
    cost: 2,
    handler: (call) => memberOfBody(call, findUser(call, call.params.id!), true, 'directoryObjects'),
  });

  // /me: the signed-in user of a delegated token.
  const me = (call: GraphCall) => call.caller.user!;
  route({
    method: 'GET',
    url: '/me',
    permissions: P.me,
    handler: (call) => entity(call, 'users', userJson(me(call)), userSpec(call.tenant), me(call)),
  });
  route({
    method: 'GET',
    url: '/me/memberOf',
    permissions: P.meMemberOf,
    cost: 2,
    handler: (call) => memberOfBody(call, me(call), false, 'directoryObjects'),
  });
  route({
    method: 'GET',
    url: '/me/transitiveMemberOf',
    permissions: P.meMemberOf,
    cost: 2,
    handler: (call) => memberOfBody(call, me(call), true, 'directoryObjects'),
  });
  route({
    method: 'GET',
    url: '/me/manager',
    permissions: { ...P.manager, id: 'meManager', path: '/me/manager', application: null },
    handler: (call) => {
      const manager = me(call).managerId ? call.tenant.users.get(me(call).managerId!) : undefined;
      if (!manager) throw notFound('manager');
      return entity(
        call,
        'directoryObjects',
        { '@odata.type': '#microsoft.graph.user', ...userJson(manager) },
        { properties: USER_PROPERTIES, typeName: 'user' },
      );
    },
  });
}
