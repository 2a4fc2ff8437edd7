const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Is this path segment an object's key (GUID, UPN, opaque Exchange/drive ID, number) rather than a route word? */
function isKey(segment: string): boolean {
  if (GUID.test(segment)) return true;
  if (segment.includes('@')) return true;
  if (/^\d+$/.test(segment)) return true;
  // Drive IDs start with `b!`; Exchange IDs are long base64-ish strings; route words are camelCase letters.
  if (segment.startsWith('b!')) return true;
  if (segment.length >= 16 && /[0-9=_+-]/.test(segment)) return true;
  return false;
}

/**
 * The route of a Graph URL with keys replaced by `{id}`, without the query or version:
 * `https://graph.microsoft.com/v1.0/users/4f…/messages?$top=5` → `/users/{id}/messages`.
 * Used for metrics and logs, so it never carries a user's name or ID.
 */
export function routeTemplate(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split('?')[0] ?? url;
  }
  const segments = path.split('/').filter(Boolean);
  if (segments[0] === 'v1.0' || segments[0] === 'beta') segments.shift();
  const out = segments.map((raw) => {
    const segment = decodeURIComponent(raw);
    // Function-call keys: delta(token='…'), getOffice365ActiveUserDetail(period='D7'), items('id').
    const call = /^([A-Za-z.$]+)\(.*\)$/.exec(segment);
    if (call) return `${call[1]}(…)`;
    if (segment.startsWith(':')) return ':{path}:';
    return isKey(segment) ? '{id}' : segment;
  });
  return `/${out.join('/')}`;
}
