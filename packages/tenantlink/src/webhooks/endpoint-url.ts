import { TenantlinkError } from '../errors.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A checked webhook URL: whole (for deliveries) and as shown (a query string's values masked). */
export interface WebhookUrl {
  url: string;
  /** Equal to `url` when it has no query string. */
  shown: string;
}

/**
 * A webhook URL: https, or http to this machine (localhost, 127.0.0.1, [::1]) for development when the operator allows
 * private targets. No credentials in its authority (the secret signs the requests instead), and nowhere the outbound
 * policy refuses. A query string may carry a token: it is kept encrypted, and shown masked.
 */
export function checkWebhookUrl(value: string, policy: OutboundPolicy): WebhookUrl {
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
  policy.checkUrl(url, 'The webhook URL');
  return { url: url.toString(), shown: maskQuery(url) };
}

/** The URL with each query value replaced by `***` (names kept, so the vendor recognises it). */
export function maskQuery(url: URL): string {
  if (!url.search) return url.toString();
  const names = [...url.searchParams.keys()].map((name) => `${encodeURIComponent(name)}=***`);
  return `${url.origin}${url.pathname}?${names.join('&')}`;
}
