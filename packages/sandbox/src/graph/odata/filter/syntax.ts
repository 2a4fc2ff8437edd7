/** The tree `$filter` parses into, and the literal shapes the validator and the evaluator both recognise. */

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; property: string; value: FilterValue }
  | { kind: 'in'; property: string; values: FilterValue[] }
  | { kind: 'function'; name: 'startswith' | 'endswith'; property: string; value: string }
  | { kind: 'any'; property: string; variable: string; predicate: FilterNode }
  | { kind: 'count'; property: string; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; value: number };

export type FilterValue = string | number | boolean | null;

export type CompareOp = Extract<FilterNode, { kind: 'compare' }>['op'];

export const COMPARE_OPS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] satisfies CompareOp[];
export const KEYWORDS: readonly string[] = [...COMPARE_OPS, 'and', 'or', 'not', 'in', 'has'];

export const DATETIME_TEXT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;
export const GUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
