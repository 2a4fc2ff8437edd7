/** Reading and redacting database URLs. A URL may carry a password; only `redactDatabaseUrl`'s output is ever shown. */

const POSTGRES_SCHEMES = ['postgres:', 'postgresql:'];

export function isPostgresUrl(url: string): boolean {
  return POSTGRES_SCHEMES.some((scheme) => url.trim().toLowerCase().startsWith(`${scheme}//`));
}

/**
 * The URL with its password replaced by `***` and its query string dropped (it may hold `password=` or `sslkey=`), or
 * just its scheme when it cannot be parsed: a malformed URL could hide a password anywhere.
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url.trim())?.[1];
    return scheme ? `${scheme}//<unparseable>` : '<unparseable>';
  }
}

/** Removes every occurrence of the URL's password (raw and percent-decoded) from a text, e.g. a driver's error message. */
export function withoutPassword(text: string, url: string): string {
  let password: string | undefined;
  try {
    password = new URL(url.trim()).password || undefined;
  } catch {
    // An unparseable URL: fall back to whatever sits between `user:` and `@`.
    password = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(url.trim())?.[1];
  }
  if (!password) return text;
  let out = text;
  for (const form of new Set([password, safeDecode(password)])) {
    if (form.length > 0) out = out.split(form).join('***');
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
