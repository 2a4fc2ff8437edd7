/**
 * OData `$filter` for the directory collections of the Graph emulator (users, groups, servicePrincipals,
 * applications): parse the text, check it against what Graph supports per property (with or without the
 * advanced query parameters `ConsistencyLevel: eventual` + `$count=true`), and evaluate it against stored objects.
 *
 * Sources: microsoft-graph-docs-contrib concepts/aad-advanced-queries.md, includes/filter-directory-objects.md and
 * the "Supports `$filter` (...)" notes in api-reference/v1.0/resources/{user,group,serviceprincipal,application}.md.
 * `errors.ts` says of each error text whether it was seen in Graph's own docs or responses, or is a best guess.
 */

export type { FilterCapabilities, FilterOperator, PropertyCapability } from './capabilities.js';
export {
  APPLICATION_FILTER,
  GROUP_FILTER,
  SERVICE_PRINCIPAL_FILTER,
  USER_FILTER,
} from './directory-capabilities.js';
export { ODataFilterError } from './errors.js';
export { evaluateFilter } from './evaluator.js';
export { parseFilter } from './parser.js';
export type { FilterNode, FilterValue } from './syntax.js';
export { validateFilter } from './validator.js';
