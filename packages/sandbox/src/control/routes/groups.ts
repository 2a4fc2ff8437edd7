import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { controlNotFound } from '../../graph/control-api.js';
import type { Group, Tenant } from '../../tenant/model.js';
import type { ControlDeps } from '../deps.js';
import { lookups } from '../lookups.js';
import { groupView } from '../views.js';
import { stringArray } from './schemas.js';

interface NewGroup {
  displayName: string;
  description?: string;
  mailEnabled?: boolean;
  securityEnabled?: boolean;
  groupTypes?: string[];
  mailNickname?: string;
  members?: string[];
  owners?: string[];
}

/** `POST /tenants/{tid}/groups`: a group of any kind, with members and owners given as IDs or UPNs. */
export const groupRoutes: FastifyPluginAsync<ControlDeps> = async (control, { directory, clock }) => {
  const { tenantOf } = lookups(directory);

  const memberIds = (tenant: Tenant, ids: string[] | undefined) =>
    (ids ?? []).map((id) => {
      const user = directory.findUser(tenant, id);
      if (user) return user.id;
      if (tenant.groups.has(id.toLowerCase())) return id.toLowerCase();
      throw controlNotFound(`member '${id}' is neither a user nor a group of ${tenant.defaultDomain}`);
    });

  control.post<{ Params: { tid: string }; Body: NewGroup }>(
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
        memberIds: [...new Set(memberIds(tenant, body.members))],
        ownerIds: memberIds(tenant, body.owners),
      };
      directory.writes.addGroup(tenant, group);
      return reply.code(201).send(groupView(group));
    },
  );
};
