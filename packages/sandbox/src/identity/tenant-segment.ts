import type { Directory } from '../tenant/directory.js';
import { isGuid } from '../tenant/directory.js';
import type { Tenant } from '../tenant/model.js';
import { aadsts } from './aadsts.js';

/** The `{tenant}` path segment of an identity endpoint, resolved. */
export type TenantSegment =
  | { kind: 'tenant'; value: string; tenant: Tenant }
  | { kind: 'common' | 'organizations' | 'consumers'; value: string };

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Resolves a GUID, a verified domain, `common`, `organizations` or `consumers`, failing as Entra does. */
export function resolveTenantSegment(directory: Directory, value: string): TenantSegment {
  const lower = value.toLowerCase();
  if (lower === 'common' || lower === 'organizations' || lower === 'consumers') return { kind: lower, value: lower };
  if (!isGuid(value) && !DNS_NAME.test(value)) throw aadsts('invalidTenantIdentifier', { tenant: value });
  const tenant = directory.findTenant(value);
  if (!tenant) throw aadsts('tenantNotFound', { tenant: value });
  return { kind: 'tenant', value, tenant };
}

/** The segment as endpoints in discovery documents name it: the GUID for a tenant, else the keyword. */
export function canonicalSegment(segment: TenantSegment): string {
  return segment.kind === 'tenant' ? segment.tenant.id : segment.value;
}
