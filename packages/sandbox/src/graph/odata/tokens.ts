import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Opaque paging and delta tokens: a JSON state, base64url-encoded and signed, so a client can only hand back what
 * the sandbox gave it. Returns undefined for anything tampered with or malformed.
 */
export function sealToken(key: Buffer, state: object): string {
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  const mac = createHmac('sha256', key).update(payload).digest('base64url').slice(0, 22);
  return `${payload}.${mac}`;
}

export function openToken<T>(key: Buffer, token: string): T | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const payload = token.slice(0, dot);
  const mac = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(createHmac('sha256', key).update(payload).digest('base64url').slice(0, 22));
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Rebuilds the request URL with one query parameter replaced (or added): nextLinks keep every other option. */
export function linkWith(origin: string, url: string, name: string, value: string, drop: string[] = []): string {
  const parsed = new URL(url, origin);
  for (const d of drop) parsed.searchParams.delete(d);
  parsed.searchParams.set(name, value);
  return `${origin}${parsed.pathname}?${parsed.searchParams.toString().replace(/%24/g, '$')}`;
}
