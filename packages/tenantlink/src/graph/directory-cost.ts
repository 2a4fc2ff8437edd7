/**
 * What a directory (identity and access) request costs in Graph's resource units, per Microsoft's table: Graph
 * throttles the directory of each app in each tenant with a token bucket of these units, so a client that counts them
 * can wait before the bucket is empty instead of collecting 429s. Callers pass only URLs that `directoryScopeKey`
 * calls directory requests.
 */

/** Navigations of a user (`users/{id}/…`, and so `me/…`) that cost 2. */
const USER_NAVIGATIONS_AT_2 = new Set(['memberof', 'transitivememberof', 'ownedobjects', 'licensedetails']);
/** POST actions on any directory object, by their cost. */
const ACTIONS = new Map([
  ['getbyids', 3],
  ['getobjectsbyid', 3],
  ['ismemberof', 4],
  ['checkmembergroups', 4],
  ['checkmemberobjects', 4],
  ['getmembergroups', 2],
  ['getmemberobjects', 2],
]);
/** Collections that cost more than 1 to list. */
const COLLECTIONS = new Map([
  ['users', 2],
  ['applications', 2],
  ['oauth2permissiongrants', 2],
  ['contracts', 3],
  ['subscribedskus', 3],
]);

/**
 * Resource units of one directory request: the base cost of its route, then −1 with `$select`, +1 with `$expand` and
 * −1 with a `$top` under 20, never below 1. Links Graph gave (nextLinks, delta links) are charged like any URL, by
 * the options they carry.
 */
export function directoryResourceUnits(method: string, url: string): number {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 1;
  }
  let cost = baseCost(method.toUpperCase(), pathSegments(parsed.pathname));
  const options = queryOptions(parsed.searchParams);
  if (options.has('select')) cost -= 1;
  if (options.has('expand')) cost += 1;
  const top = options.get('top');
  if (top !== undefined && Number.isInteger(Number(top)) && Number(top) < 20) cost -= 1;
  return Math.max(1, cost);
}

/**
 * The path as the cost table reads it: lower case, without the version, function parentheses (`delta()`), the
 * `microsoft.graph.` prefix of actions, or a trailing `$count` / `$ref` (counting or referencing members costs what
 * listing them does). `me` is the signed-in user, so `me/memberOf` costs what `users/{id}/memberOf` does.
 */
function pathSegments(pathname: string): string[] {
  const segments = pathname
    .split('/')
    .filter(Boolean)
    .map((s) =>
      safeDecode(s)
        .toLowerCase()
        .replace(/\(.*$/, '')
        .replace(/^microsoft\.graph\./, ''),
    );
  if (segments[0] === 'v1.0' || segments[0] === 'beta') segments.shift();
  while (segments.at(-1) === '$count' || segments.at(-1) === '$ref') segments.pop();
  if (segments[0] === 'me') segments.splice(0, 1, 'users', 'me');
  return segments;
}

function baseCost(method: string, segments: string[]): number {
  const [root = '', id, navigation] = segments;
  if (method === 'POST') return ACTIONS.get(segments.at(-1) ?? '') ?? 1;
  if (method !== 'GET') return 1;
  if (segments.length === 1) return COLLECTIONS.get(root) ?? 1;
  if (id === 'delta') return 1;
  if (segments.length !== 3) return 1;
  if (navigation === 'oauth2permissiongrants') return 2;
  if (root === 'users' && USER_NAVIGATIONS_AT_2.has(navigation ?? '')) return 2;
  if (root === 'groups' && navigation === 'members') return 3;
  if (root === 'groups' && navigation === 'transitivemembers') return 5;
  if (root === 'serviceprincipals' && navigation === 'approleassignments') return 2;
  if (root === 'domains' && navigation === 'domainnamereferences') return 4;
  return 1;
}

/** The first value of each query option, by its name in lower case without the `$` (Graph takes both spellings). */
function queryOptions(params: URLSearchParams): Map<string, string> {
  const options = new Map<string, string>();
  for (const [name, value] of params) {
    const key = name.toLowerCase().replace(/^\$/, '');
    if (!options.has(key)) options.set(key, value);
  }
  return options;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
