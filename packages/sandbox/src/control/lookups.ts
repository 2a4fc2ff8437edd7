import { controlLookups, controlNotFound } from '../graph/control-api.js';
import type { Directory } from '../tenant/directory.js';
import type { Tenant } from '../tenant/model.js';

/** The control API's lookups: tenants, users and app registrations, each failing with a 404 that names it. */
export function lookups(directory: Directory) {
  const applicationOf = (appId: string) => {
    const found = directory.findApplication(appId);
    if (!found) throw controlNotFound(`application '${appId}' is not registered in any sandbox tenant`);
    return found;
  };
  const homeApplicationOf = (tenant: Tenant, appId: string) => {
    const application = tenant.applications.get(appId.toLowerCase());
    if (!application)
      throw controlNotFound(`application '${appId}' is not registered in tenant ${tenant.defaultDomain}`);
    return application;
  };
  return { ...controlLookups(directory), applicationOf, homeApplicationOf };
}
