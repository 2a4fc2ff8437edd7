import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Group, Tenant } from '../../tenant/model.js';
import type { GraphCall, GraphContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { countCollection, entity, listCollection } from '../odata/collection.js';
import { graphRoute } from '../route.js';
import { directoryDelta } from './delta.js';
import { directoryObjectSpec, groupJson, groupSpec } from './json.js';
import { DIRECTORY_PERMISSIONS as P } from './permissions.js';

function findGroup(call: GraphCall, id: string): Group {
  const group = call.tenant.groups.get(id.toLowerCase());
  if (!group) throw notFound(id);
  return group;
}

/** Every user and group below a group, through nested groups, each once. */
export function transitiveMembersOf(tenant: Tenant, group: Group): string[] {
  const seen = new Set<string>();
  const visitedGroups = new Set<string>([group.id]);
  const queue = [...group.memberIds];
  for (let next = 0; next < queue.length; next++) {
    const id = queue[next]!;
    if (seen.has(id)) continue;
    seen.add(id);
    const nested = tenant.groups.get(id);
    if (nested && !visitedGroups.has(id)) {
      visitedGroups.add(id);
      queue.push(...nested.memberIds);
    }
  }
  return [...seen];
}

/** `https://graph.microsoft.com/v1.0/directoryObjects/{id}` (or users/groups) → the object ID. */
function referencedId(ref: unknown): string | undefined {
  if (typeof ref !== 'string') return undefined;
  return /\/(?:directoryObjects|users|groups)\/([^/?#]+)\/?$/i.exec(ref)?.[1];
}

export function registerGroupRoutes(app: FastifyInstance, ctx: GraphContext): void {
  const route = (r: Parameters<typeof graphRoute>[2]) => graphRoute(app, ctx, r);
  const groups = (call: GraphCall) => [...call.tenant.groups.values()];

  route({
    method: 'GET',
    url: '/groups',
    permissions: P.listGroups,
    handler: (call) => listCollection(call, groups(call), groupSpec(call.tenant)),
  });
  route({
    method: 'GET',
    url: '/groups/$count',
    permissions: P.listGroups,
    handler: (call) => countCollection(call, groups(call), groupSpec(call.tenant)),
  });
  for (const url of ['/groups/delta', '/groups/delta()']) {
    route({ method: 'GET', url, permissions: P.groupsDelta, handler: (call) => directoryDelta(call, 'groups') });
  }
  route({
    method: 'GET',
    url: '/groups/:id',
    permissions: P.getGroup,
    handler: (call) =>
      entity(
        call,
        'groups',
        groupJson(findGroup(call, call.params.id!)),
        groupSpec(call.tenant),
        findGroup(call, call.params.id!),
      ),
  });
  route({
    method: 'POST',
    url: '/groups',
    permissions: P.createGroup,
    handler: (call) => {
      const body = (call.body ?? {}) as Record<string, unknown>;
      for (const required of ['displayName', 'mailEnabled', 'mailNickname', 'securityEnabled']) {
        if (body[required] === undefined || body[required] === null || body[required] === '') {
          throw badRequest(`Property '${required}' value is required but is empty or missing.`);
        }
      }
      const groupTypes = Array.isArray(body.groupTypes) ? (body.groupTypes as string[]) : [];
      const mailEnabled = Boolean(body.mailEnabled);
      const nickname = String(body.mailNickname);
      if (
        [...call.tenant.groups.values()].some((g) => g.mailNickname.toLowerCase() === nickname.toLowerCase()) &&
        mailEnabled
      ) {
        throw badRequest('Another object with the same value for property mailNickname already exists.');
      }
      const bound = (name: string) => {
        const refs = body[`${name}@odata.bind`] ?? [];
        if (!Array.isArray(refs))
          throw badRequest(`Invalid value specified for property '${name}@odata.bind' of resource 'Group'.`);
        return refs.map((ref) => {
          const id = referencedId(ref)?.toLowerCase();
          if (!id || (!call.tenant.users.has(id) && !call.tenant.groups.has(id))) {
            throw badRequest(`Invalid object identifier '${String(ref)}'.`);
          }
          return id;
        });
      };
      const types: Record<string, string> = {
        displayName: 'string',
        mailNickname: 'string',
        mailEnabled: 'boolean',
        securityEnabled: 'boolean',
      };
      for (const [key, type] of Object.entries(types)) {
        if (typeof body[key] !== type)
          throw badRequest(`Invalid value specified for property '${key}' of resource 'Group'.`);
      }
      if (
        body.groupTypes !== undefined &&
        (!Array.isArray(body.groupTypes) || body.groupTypes.some((t) => typeof t !== 'string'))
      ) {
        throw badRequest("Invalid value specified for property 'groupTypes' of resource 'Group'.");
      }
      const group: Group = {
        id: randomUUID(),
        displayName: String(body.displayName),
        description: (body.description as string) ?? null,
        mailNickname: nickname,
        mail: mailEnabled ? `${nickname}@${call.tenant.defaultDomain}` : null,
        mailEnabled,
        securityEnabled: Boolean(body.securityEnabled),
        groupTypes,
        visibility: groupTypes.includes('Unified') ? ((body.visibility as 'Public' | 'Private') ?? 'Public') : null,
        createdDateTime: call.ctx.clock.iso(),
        memberIds: bound('members'),
        ownerIds: bound('owners'),
      };
      call.ctx.directory.writes.addGroup(call.tenant, group);
      return {
        status: 201,
        body: { '@odata.context': `${call.origin}/v1.0/$metadata#groups/$entity`, ...groupJson(group) },
      };
    },
  });
  route({
    method: 'PATCH',
    url: '/groups/:id',
    permissions: P.updateGroup,
    handler: (call) => {
      const group = findGroup(call, call.params.id!);
      const body = (call.body ?? {}) as Record<string, unknown>;
      const allowed = ['displayName', 'description', 'mailNickname', 'visibility'];
      for (const [key, value] of Object.entries(body)) {
        const nullable = key === 'description';
        if (allowed.includes(key) && !(typeof value === 'string' || (nullable && value === null))) {
          throw badRequest(`Invalid value specified for property '${key}' of resource 'Group'.`);
        }
      }
      for (const key of Object.keys(body)) {
        if (!allowed.includes(key)) {
          throw badRequest(
            `The property '${key}' does not exist on type 'microsoft.graph.group'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
            'BadRequest',
          );
        }
      }
      call.ctx.directory.writes.updateGroup(call.tenant, group, body as Partial<Group>);
      return undefined;
    },
  });
  route({
    method: 'DELETE',
    url: '/groups/:id',
    permissions: P.deleteGroup,
    handler: (call) => {
      call.ctx.directory.writes.deleteGroup(call.tenant, findGroup(call, call.params.id!));
      return undefined;
    },
  });

  const membersRoute = (
    url: string,
    permissions: typeof P.members,
    cost: number,
    ids: (call: GraphCall, g: Group) => string[],
    rel: string,
  ) => {
    route({
      method: 'GET',
      url,
      permissions,
      cost,
      handler: (call) => {
        const group = findGroup(call, call.params.id!);
        return listCollection(call, ids(call, group), directoryObjectSpec(call.tenant, `directoryObjects`));
      },
    });
    route({
      method: 'GET',
      url: `${url}/$count`,
      permissions,
      cost,
      handler: (call) => {
        const group = findGroup(call, call.params.id!);
        return countCollection(call, ids(call, group), directoryObjectSpec(call.tenant, rel));
      },
    });
  };
  membersRoute('/groups/:id/members', P.members, 3, (_c, g) => g.memberIds, 'members');
  membersRoute(
    '/groups/:id/transitiveMembers',
    P.transitiveMembers,
    5,
    (c, g) => transitiveMembersOf(c.tenant, g),
    'transitiveMembers',
  );
  membersRoute('/groups/:id/owners', P.owners, 1, (_c, g) => g.ownerIds, 'owners');

  route({
    method: 'POST',
    url: '/groups/:id/members/$ref',
    permissions: P.addMember,
    handler: (call) => {
      const group = findGroup(call, call.params.id!);
      const ref = (call.body as Record<string, unknown> | undefined)?.['@odata.id'];
      const id = referencedId(ref)?.toLowerCase();
      if (!id) throw badRequest(`Invalid object identifier '${String(ref)}'.`);
      if (!call.tenant.users.has(id) && !call.tenant.groups.has(id)) throw notFound(id);
      if (id === group.id) throw badRequest('A group cannot be a member of itself.');
      if (group.memberIds.includes(id)) {
        throw badRequest(
          "One or more added object references already exist for the following modified properties: 'members'.",
        );
      }
      call.ctx.directory.writes.addMembers(call.tenant, group, [id]);
      return undefined;
    },
  });
  route({
    method: 'DELETE',
    url: '/groups/:id/members/:memberId/$ref',
    permissions: P.removeMember,
    handler: (call) => {
      const group = findGroup(call, call.params.id!);
      const memberId = call.params.memberId!.toLowerCase();
      // Graph names the group, not the member, when the reference is not there.
      if (!group.memberIds.includes(memberId)) throw notFound(group.id);
      call.ctx.directory.writes.removeMembers(call.tenant, group, [memberId]);
      return undefined;
    },
  });
}
