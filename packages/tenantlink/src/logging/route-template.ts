/**
 * Paths as templates: each segment that is an object's key becomes `{id}`, so a logged path or a metrics label never
 * carries a user's name, a UPN or an ID. `/users/adele@contoso.com/mailFolders/inbox` → `/users/{id}/mailFolders/inbox`.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FUNCTION_CALL = /^([A-Za-z.$]+)\(.*\)$/;

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

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray `%`: judge the segment as it is
  }
}

function templateSegment(segment: string): string {
  // Function-call keys: delta(token='…'), getOffice365ActiveUserDetail(period='D7'), items('id').
  const call = FUNCTION_CALL.exec(segment);
  if (call) return `${call[1]}(…)`;
  if (segment.startsWith(':')) return ':{path}:';
  return isKey(segment) ? '{id}' : segment;
}

/**
 * The segments as a template. Drive path addressing (`root:/Folder/Report.docx:/content`) names files and folders,
 * so the item path becomes `{path}`: `root:/{path}:/content`.
 */
function templateSegments(segments: readonly string[]): string[] {
  const out: string[] = [];
  let inItemPath = false;
  let itemPathSegments = 0;
  for (const raw of segments) {
    const segment = decodeSegment(raw);
    if (inItemPath) {
      itemPathSegments += 1;
      if (segment.endsWith(':')) {
        out.push('{path}:');
        inItemPath = false;
      }
    } else if (segment.length > 1 && segment.endsWith(':') && !segment.startsWith(':')) {
      out.push(`${templateSegment(segment.slice(0, -1))}:`);
      inItemPath = true;
      itemPathSegments = 0;
    } else {
      out.push(templateSegment(segment));
    }
  }
  if (inItemPath && itemPathSegments > 0) out.push('{path}');
  return out;
}

/** Any path as a template, keeping its shape (a leading or trailing `/`, a version segment). */
export function templatePath(path: string): string {
  const segments = path.split('/').filter(Boolean);
  if (segments.length === 0) return path;
  const leading = path.startsWith('/') ? '/' : '';
  const trailing = path.endsWith('/') ? '/' : '';
  return `${leading}${templateSegments(segments).join('/')}${trailing}`;
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
  return `/${templateSegments(segments).join('/')}`;
}
