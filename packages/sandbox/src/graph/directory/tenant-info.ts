import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SKU_MICROSOFT_365_E5, SKU_OFFICE_365_E3 } from '../../tenant/generator.js';
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Tenant } from '../../tenant/model.js';
import type { GraphContext } from '../context.js';
import { notFound } from '../errors.js';
import { listCollection } from '../odata/collection.js';
import { graphRoute } from '../route.js';
import { directoryObjectSpec } from './json.js';
import { DIRECTORY_PERMISSIONS as P } from './permissions.js';

const SKUS: Record<string, { partNumber: string; units: number }> = {
  [SKU_OFFICE_365_E3]: { partNumber: 'ENTERPRISEPACK', units: 25 },
  [SKU_MICROSOFT_365_E5]: { partNumber: 'SPE_E5', units: 5 },
};

/** A stable object ID for an activated directory role in a tenant. */
export function directoryRoleId(tenant: Tenant, templateId: string): string {
  const h = createHash('sha256').update(`${tenant.id}/${templateId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function simpleList(origin: string, context: string, value: unknown[]) {
  return { '@odata.context': `${origin}/v1.0/$metadata#${context}`, value };
}

/** `organization`, `domains`, `subscribedSkus`, `directoryRoles` and their members. */
export function registerTenantInfoRoutes(app: FastifyInstance, ctx: GraphContext): void {
  const route = (r: Parameters<typeof graphRoute>[2]) => graphRoute(app, ctx, r);
  route({
    method: 'GET',
    url: '/organization',
    permissions: P.organization,
    handler: ({ tenant, origin }) =>
      simpleList(origin, 'organization', [
        {
          id: tenant.id,
          deletedDateTime: null,
          businessPhones: [],
          city: null,
          country: null,
          countryLetterCode: tenant.countryLetterCode,
          createdDateTime: tenant.createdDateTime,
          displayName: tenant.displayName,
          tenantType: 'AAD',
          verifiedDomains: tenant.verifiedDomains.map((d) => ({
            capabilities: 'Email, OfficeCommunicationsOnline',
            isDefault: d.isDefault,
            isInitial: d.isInitial,
            name: d.name,
            type: d.type,
          })),
        },
      ]),
  });
  route({
    method: 'GET',
    url: '/domains',
    permissions: P.domains,
    handler: ({ tenant, origin }) =>
      simpleList(
        origin,
        'domains',
        tenant.verifiedDomains.map((d) => ({
          id: d.name,
          authenticationType: d.type,
          isAdminManaged: true,
          isDefault: d.isDefault,
          isInitial: d.isInitial,
          isRoot: true,
          isVerified: true,
          supportedServices: ['Email', 'OfficeCommunicationsOnline'],
        })),
      ),
  });
  route({
    method: 'GET',
    url: '/subscribedSkus',
    permissions: P.subscribedSkus,
    cost: 3,
    handler: ({ tenant, origin }) => {
      const consumed = new Map<string, number>();
      for (const user of tenant.users.values()) {
        for (const l of user.assignedLicenses) consumed.set(l.skuId, (consumed.get(l.skuId) ?? 0) + 1);
      }
      return simpleList(
        origin,
        'subscribedSkus',
        [...consumed.entries()].map(([skuId, used]) => {
          const sku = SKUS[skuId] ?? { partNumber: 'UNKNOWN', units: 0 };
          const enabled = Math.max(sku.units, Math.ceil(used / 25) * 25);
          return {
            accountId: tenant.id,
            accountName: tenant.displayName,
            appliesTo: 'User',
            capabilityStatus: 'Enabled',
            consumedUnits: used,
            id: `${tenant.id}_${skuId}`,
            skuId,
            skuPartNumber: sku.partNumber,
            prepaidUnits: { enabled, suspended: 0, warning: 0, lockedOut: 0 },
            servicePlans: [],
          };
        }),
      );
    },
  });
  route({
    method: 'GET',
    url: '/directoryRoles',
    permissions: P.directoryRoles,
    handler: ({ tenant, origin }) =>
      simpleList(origin, 'directoryRoles', [
        {
          id: directoryRoleId(tenant, GLOBAL_ADMINISTRATOR_ROLE_ID),
          deletedDateTime: null,
          description:
            'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
          displayName: 'Global Administrator',
          roleTemplateId: GLOBAL_ADMINISTRATOR_ROLE_ID,
        },
      ]),
  });
  route({
    method: 'GET',
    url: '/directoryRoles/:id/members',
    permissions: P.directoryRoleMembers,
    handler: (call) => {
      const { tenant } = call;
      const id = call.params.id!;
      const templateId =
        id === directoryRoleId(tenant, GLOBAL_ADMINISTRATOR_ROLE_ID) || id === GLOBAL_ADMINISTRATOR_ROLE_ID
          ? GLOBAL_ADMINISTRATOR_ROLE_ID
          : undefined;
      if (!templateId) throw notFound(id);
      const members = [...tenant.users.values()]
        .filter((u) => u.directoryRoleIds.includes(templateId))
        .map((u) => u.id);
      return listCollection(call, members, directoryObjectSpec(tenant, 'directoryObjects'));
    },
  });
}
