import { TenantlinkError } from '../errors.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A webhook URL: https, or http to this machine (localhost, 127.0.0.1, [::1]) for development. No credentials in it
 * (they would be stored in clear and shown in lists); the secret signs the requests instead.
 */
export function checkWebhookUrl(value: string): string {
  const invalid = (why: string) =>
    new TenantlinkError('INVALID_INPUT', `The webhook URL is not usable: ${why}.`, {
      diagnosis: {
        meaning: 'tenantlink POSTs signed change batches to this URL.',
        fix: 'Give an absolute https:// URL of your product (http:// only for localhost while developing).',
      },
    });
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalid('it is not an absolute URL');
  }
  if (value.length > 2048) throw invalid('it is longer than 2048 characters');
  if (url.username || url.password) throw invalid('it carries a user name or password');
  if (url.hash) throw invalid('it has a fragment (#...)');
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname)) throw invalid('http:// is allowed only for localhost; use https://');
  } else if (url.protocol !== 'https:') {
    throw invalid(`the scheme ${url.protocol} is not https`);
  }
  return url.toString();
}
