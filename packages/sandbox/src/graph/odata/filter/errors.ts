import type { FilterOperator } from './capabilities.js';

/** Raised for any $filter problem; `code` and `message` are exactly what Graph returns (HTTP 400). */
export class ODataFilterError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ODataFilterError';
  }
}

// Graph wraps the OData parser's messages in "Invalid filter clause: ..." with code BadRequest. Seen in responses:
// "Syntax error at position N in '...'." and "Syntax error: character '%' is not valid at position N in '...'.".
// The other parser texts are Microsoft.OData's own resource strings.
export function invalidClause(detail: string): ODataFilterError {
  return new ODataFilterError('BadRequest', `Invalid filter clause: ${detail}`);
}

/** Observed (2018-2021) without detail, e.g. for `accountEnabled eq 'true'`; used where the parser's detail is unknown. */
export function bareInvalidClause(): ODataFilterError {
  return new ODataFilterError('BadRequest', 'Invalid filter clause');
}

/** Documented (aad-advanced-queries.md): a property, or an operator on it, that Graph cannot filter. */
export function unsupportedProperty(property: string, resource: string): ODataFilterError {
  return new ODataFilterError(
    'Request_UnsupportedQuery',
    `Unsupported or invalid query filter clause specified for property '${property}' of resource '${resource}'.`,
  );
}

/** What Graph says when an operator needs ConsistencyLevel: eventual + $count=true and the request lacks them. */
export function needsAdvancedQuery(operator: FilterOperator | 'count'): ODataFilterError {
  // Observed in responses to `ne` (including `ne null`) without the advanced parameters.
  if (operator === 'ne')
    return new ODataFilterError('Request_UnsupportedQuery', "Filter operator 'NotEqualsMatch' is not supported.");
  // Documented for endsWith (aad-advanced-queries.md, 2023 response example).
  if (operator === 'endsWith') {
    return new ODataFilterError(
      'Request_UnsupportedQuery',
      "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
    );
  }
  // The generic text of the 2021 version of the same doc; used for not, eq null, $count and advanced-only properties.
  return new ODataFilterError('Request_UnsupportedQuery', 'Unsupported Query.');
}

/** Observed: an `in` list (or a chain of `or`) longer than 15 without advanced query parameters. */
export const MAX_OR_CLAUSES = 15;
export function tooManyOrClauses(count: number): ODataFilterError {
  return new ODataFilterError(
    'Request_UnsupportedQuery',
    `Too many child clauses specified in search filter expression containing 'OR' operators: ${count}. Max allowed: ${MAX_OR_CLAUSES}.`,
  );
}
