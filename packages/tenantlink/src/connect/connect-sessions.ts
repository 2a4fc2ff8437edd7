import { randomUUID } from 'node:crypto';
import { TenantlinkError } from '../errors.js';
import type { ConnectSessionsRepository, StoredConnectSession } from '../store/connect-sessions-repository.js';
import { isoNow } from '../store/schema.js';
import { randomToken, sha256 } from '../tokens.js';
import type { Integration } from './integrations.js';
import { checkReturnUrlOrigin } from './return-url.js';

/** How long a connect link works, and how long a started flow may take at Microsoft. */
export const CONNECT_LINK_TTL_MS = 15 * 60_000;
/** Finished and expired sessions and flows are kept this long (so their outcome stays readable), then deleted. */
export const FLOW_RETENTION_MS = 24 * 3600_000;
/** The vendor's state comes back on a URL: keep it to what a URL carries comfortably. */
export const MAX_VENDOR_STATE = 512;

export interface NewConnectSession {
  /** What the vendor's server asks `GET /api/v1/connect-sessions/{id}` about. */
  id: string;
  /** `<publicUrl>/connect/microsoft?integration=…&token=…`: a page first, Microsoft only after "Continue". */
  url: string;
  expiresAt: string;
}

/**
 * A connect session: a one-time link a vendor's product sends its customer's admin to, so nobody needs an API key in
 * the browser. Only the token's SHA-256 is stored. Opening the link shows a page and changes nothing (so that a mail
 * scanner or a link preview fetching it does no harm); "Continue with Microsoft" opens it for one browser.
 */
export async function createConnectSession(
  sessions: ConnectSessionsRepository,
  integration: Integration,
  options: { state?: string | null; returnUrl?: string | null; publicUrl: string },
): Promise<NewConnectSession & { token: string }> {
  const returnUrl = options.returnUrl ? checkReturnUrlOrigin(options.returnUrl, integration.returnUrl) : null;
  const token = randomToken(32);
  const id = randomUUID();
  const expiresAt = new Date(Date.now() + CONNECT_LINK_TTL_MS).toISOString();
  await sessions.deleteExpired(new Date(Date.now() - FLOW_RETENTION_MS).toISOString());
  await sessions.create({
    id,
    tokenHash: sha256(token),
    integrationId: integration.id,
    vendorState: options.state ?? null,
    returnUrl,
    expiresAt,
  });
  const url = new URL('/connect/microsoft', options.publicUrl);
  url.searchParams.set('integration', integration.name);
  url.searchParams.set('token', token);
  return { id, url: url.toString(), expiresAt, token };
}

/** A link's session as the page needs it: what the link can still do in this browser. */
export type LinkState =
  | { kind: 'open'; session: StoredConnectSession }
  | { kind: 'finished'; session: StoredConnectSession }
  | { kind: 'expired'; session: StoredConnectSession }
  | { kind: 'elsewhere'; session: StoredConnectSession };

/**
 * Looks a link's session up without using it. CONNECT_LINK_INVALID (401) when the token is unknown or for another
 * integration; otherwise whether it can still be continued here (`open`: pending, or opened by this browser), was
 * opened by another browser, has expired, or has finished.
 */
export async function linkState(
  sessions: ConnectSessionsRepository,
  token: string,
  integration: Integration,
  browserHash: string | undefined,
): Promise<LinkState> {
  const session = token.length <= 200 ? await sessions.byTokenHash(sha256(token)) : undefined;
  if (!session || session.integrationId !== integration.id) throw linkInvalid();
  if (session.status === 'connected' || session.status === 'failed') return { kind: 'finished', session };
  if (session.expiresAt <= isoNow()) return { kind: 'expired', session };
  if (session.status === 'opened' && session.browserHash !== browserHash) return { kind: 'elsewhere', session };
  return { kind: 'open', session };
}

export function linkInvalid(): TenantlinkError {
  return new TenantlinkError('CONNECT_LINK_INVALID', 'This connect link is not valid.', {
    status: 401,
    diagnosis: {
      meaning: 'Connect links are made for one customer at a time by the application that sent you here.',
      fix: 'Go back to that application and start connecting again to get a new link.',
    },
  });
}
