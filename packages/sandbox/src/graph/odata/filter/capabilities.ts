/** What Graph supports per property of a resource in `$filter`, with and without advanced query parameters. */

export type FilterOperator =
  | 'eq'
  | 'ne'
  | 'not'
  | 'in'
  | 'startsWith'
  | 'endsWith'
  | 'ge'
  | 'le'
  | 'gt'
  | 'lt'
  | 'any'
  | 'eqNull';

export interface PropertyCapability {
  type: 'string' | 'boolean' | 'guid' | 'datetime' | 'number' | 'stringCollection' | 'objectCollection';
  /** Operators Graph supports on this property without advanced query parameters. */
  basic: FilterOperator[];
  /** Operators that additionally need ConsistencyLevel: eventual + $count=true. */
  advanced?: FilterOperator[];
  /** For objectCollection: the sub-properties usable inside any(), e.g. assignedLicenses → skuId. */
  item?: Record<string, PropertyCapability>;
}

export interface FilterCapabilities {
  /** Graph's resource name used in messages, e.g. 'User', 'Group'. */
  resource: string;
  properties: Record<string, PropertyCapability>;
}
