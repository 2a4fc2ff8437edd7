import { TenantlinkError } from '../errors.js';

/** The hosts Microsoft accepts a plain-http Web redirect URI for: this machine. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Refuses, with the reason, a redirect URI that Microsoft Entra would not take as a Web redirect URI: it must be https,
 * or http to this machine (the connect flow's own callback when `tenantlink serve` listens on 127.0.0.1), and carry no
 * #fragment.
 */
export function checkRedirectUri(value: string): void {
  if (!URL.canParse(value))
    throw refused(
      `The redirect URI '${value}' is not an absolute URL: give one such as https://app.example.com/connect/microsoft/callback.`,
    );
  const url = new URL(value);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.includes(url.hostname))
    throw refused(
      `The redirect URI must be https: Microsoft accepts http only to this machine (${LOOPBACK_HOSTS.join(', ')}), ` +
        `not to ${url.hostname}. Use https://${url.host}${url.pathname}, or the address the server is reached at over https.`,
    );
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw refused(
      `The redirect URI must be https (or http to ${LOOPBACK_HOSTS.join(', ')}), not ${url.protocol}: a Web redirect URI is where the browser comes back.`,
    );
  if (url.hash) throw refused('The redirect URI must not have a #fragment: Microsoft refuses redirect URIs with one.');
}

function refused(message: string): TenantlinkError {
  return new TenantlinkError('INVALID_INPUT', message);
}
