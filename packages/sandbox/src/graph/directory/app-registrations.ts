import type { FastifyInstance } from 'fastify';
import type { AppRoleAssignment, OAuth2PermissionGrant, ServicePrincipal } from '../../tenant/model.js';
import type { GraphCall, GraphContext } from '../context.js';
import { notFound } from '../errors.js';
import { type CollectionSpec, entity, listCollection } from '../odata/collection.js';
import type { PropertyCapability } from '../odata/filter/index.js';
import { graphRoute } from '../route.js';
import { applicationJson, applicationSpec, servicePrincipalJson, servicePrincipalSpec } from './json.js';
import { DIRECTORY_PERMISSIONS as P } from './permissions.js';

const eqOnly = (type: PropertyCapability['type']): PropertyCapability => ({ type, basic: ['eq', 'in'] });

function assignmentJson(a: AppRoleAssignment) {
  return {
    id: a.id,
    deletedDateTime: null,
    appRoleId: a.appRoleId,
    createdDateTime: a.createdDateTime,
    principalDisplayName: a.principalDisplayName,
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: a.resourceDisplayName,
    resourceId: a.resourceId,
  };
}

const assignmentSpec = (context: string): CollectionSpec<AppRoleAssignment> => ({
  context,
  typeName: 'appRoleAssignment',
  defaultTop: 100,
  maxTop: 999,
  properties: Object.keys(assignmentJson({} as AppRoleAssignment)),
  filter: {
    resource: 'AppRoleAssignment',
    properties: { resourceId: eqOnly('guid'), principalId: eqOnly('guid'), appRoleId: eqOnly('guid') },
  },
  toJson: assignmentJson,
});

function grantJson(g: OAuth2PermissionGrant) {
  return {
    id: g.id,
    clientId: g.clientId,
    consentType: g.consentType,
    principalId: g.principalId,
    resourceId: g.resourceId,
    scope: g.scope,
  };
}

const grantSpec = (context: string): CollectionSpec<OAuth2PermissionGrant> => ({
  context,
  typeName: 'oAuth2PermissionGrant',
  defaultTop: 100,
  maxTop: 999,
  properties: ['id', 'clientId', 'consentType', 'principalId', 'resourceId', 'scope'],
  filter: {
    resource: 'OAuth2PermissionGrant',
    properties: {
      clientId: eqOnly('guid'),
      consentType: eqOnly('string'),
      principalId: eqOnly('guid'),
      resourceId: eqOnly('guid'),
    },
  },
  toJson: grantJson,
});

function findServicePrincipal(call: GraphCall, id: string): ServicePrincipal {
  const sp = [...call.tenant.servicePrincipals.values()].find((s) => s.id === id.toLowerCase());
  if (!sp) throw notFound(id);
  return sp;
}

/** App registrations, service principals and what they were granted, as the doctor reads them. */
export function registerAppRegistrationRoutes(app: FastifyInstance, ctx: GraphContext): void {
  const route = (r: Parameters<typeof graphRoute>[2]) => graphRoute(app, ctx, r);
  route({
    method: 'GET',
    url: '/applications',
    permissions: P.listApplications,
    cost: 2,
    handler: (call) => listCollection(call, [...call.tenant.applications.values()], applicationSpec()),
  });
  route({
    method: 'GET',
    url: '/applications/:id',
    permissions: P.getApplication,
    handler: (call) => {
      const found = [...call.tenant.applications.values()].find((a) => a.id === call.params.id!.toLowerCase());
      if (!found) throw notFound(call.params.id!);
      return entity(call, 'applications', applicationJson(found), applicationSpec());
    },
  });
  route({
    method: 'GET',
    url: '/servicePrincipals',
    permissions: P.listServicePrincipals,
    handler: (call) => listCollection(call, [...call.tenant.servicePrincipals.values()], servicePrincipalSpec()),
  });
  route({
    method: 'GET',
    url: '/servicePrincipals/:id',
    permissions: P.getServicePrincipal,
    handler: (call) =>
      entity(
        call,
        'servicePrincipals',
        servicePrincipalJson(findServicePrincipal(call, call.params.id!)),
        servicePrincipalSpec(),
      ),
  });
  route({
    method: 'GET',
    url: '/servicePrincipals/:id/appRoleAssignments',
    permissions: P.appRoleAssignments,
    cost: 2,
    handler: (call) => {
      const sp = findServicePrincipal(call, call.params.id!);
      const items = call.tenant.appRoleAssignments.filter((a) => a.principalId === sp.id);
      return listCollection(call, items, assignmentSpec(`servicePrincipals('${sp.id}')/appRoleAssignments`));
    },
  });
  route({
    method: 'GET',
    url: '/servicePrincipals/:id/appRoleAssignedTo',
    permissions: P.appRoleAssignedTo,
    handler: (call) => {
      const sp = findServicePrincipal(call, call.params.id!);
      const items = call.tenant.appRoleAssignments.filter((a) => a.resourceId === sp.id);
      return listCollection(call, items, assignmentSpec(`servicePrincipals('${sp.id}')/appRoleAssignedTo`));
    },
  });
  route({
    method: 'GET',
    url: '/oauth2PermissionGrants',
    permissions: P.oauth2PermissionGrants,
    cost: 2,
    handler: (call) => listCollection(call, call.tenant.oauth2PermissionGrants, grantSpec('oauth2PermissionGrants')),
  });
  route({
    method: 'GET',
    url: '/servicePrincipals/:id/oauth2PermissionGrants',
    permissions: P.servicePrincipalGrants,
    cost: 2,
    handler: (call) => {
      const sp = findServicePrincipal(call, call.params.id!);
      const items = call.tenant.oauth2PermissionGrants.filter((g) => g.clientId === sp.id);
      return listCollection(call, items, grantSpec('oauth2PermissionGrants'));
    },
  });
}
