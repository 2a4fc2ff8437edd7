import { TenantlinkError } from '../errors.js';

/** Where Microsoft sends the browser back after each leg of a connect flow, under the server's public URL. */
export const CONNECT_CALLBACK_PATH = '/connect/microsoft/callback';

/**
 * A public URL (where browsers and Microsoft reach `tenantlink serve`): absolute http(s), without a path, query or
 * fragment, since the connect routes live at its root. Returns its origin.
 */
export function checkPublicUrl(value: string): string {
  if (!URL.canParse(value.trim()))
    throw new TenantlinkError(
      'INVALID_INPUT',
      `The public URL '${value}' is not an absolute URL: give one such as https://tenantlink.example.com.`,
    );
  const url = new URL(value.trim());
  if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username || url.password)
    throw new TenantlinkError(
      'INVALID_INPUT',
      'The public URL must be http(s)://host[:port], without a user name, query or fragment.',
    );
  if (url.pathname !== '/')
    throw new TenantlinkError('INVALID_INPUT', 'The public URL must not have a path: tenantlink serves from its root.');
  return url.origin;
}

/** The Web redirect URI every integration's app registers, for a server reached at this public URL. */
export function connectRedirectUri(publicUrl: string): string {
  return `${checkPublicUrl(publicUrl)}${CONNECT_CALLBACK_PATH}`;
}
