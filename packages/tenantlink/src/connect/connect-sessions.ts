import { TenantlinkError } from '../errors.js';
import type { ConnectFlow, ConnectFlowsRepository } from '../store/connect-flows-repository.js';
import { randomToken, sha256 } from '../tokens.js';
import type { Integration } from './integrations.js';
import { checkReturnUrlOrigin } from './return-url.js';

/** How long a connect link works, and how long a started flow may take at Microsoft. */
export const CONNECT_LINK_TTL_MS = 15 * 60_000;
/** Finished and expired flows are kept this long (so status stays readable), then deleted. */
export const FLOW_RETENTION_MS = 24 * 3600_000;
/** The vendor's state is echoed on a URL: keep it to what a URL carries comfortably. */
export const MAX_VENDOR_STATE = 512;

export interface ConnectSession {
  /** `<publicUrl>/connect/microsoft?integration=…&state=…&token=…`: opens the flow once, within 15 minutes. */
  url: string;
  expiresAt: string;
}

/**
 * A connect session: a one-time link a vendor's product sends its customer's admin to, so nobody needs an API key
 * in the browser. Only the token's SHA-256 is stored.
 */
export async function createConnectSession(
  flows: ConnectFlowsRepository,
  integration: Integration,
  options: { state?: string; returnUrl?: string; publicUrl: string },
): Promise<ConnectSession> {
  const returnUrl = options.returnUrl ? checkReturnUrlOrigin(options.returnUrl, integration.returnUrl) : null;
  const token = randomToken(32);
  const expiresAt = new Date(Date.now() + CONNECT_LINK_TTL_MS).toISOString();
  await flows.deleteExpired(new Date(Date.now() - FLOW_RETENTION_MS).toISOString());
  await flows.create({
    idHash: sha256(token),
    kind: 'session',
    integrationId: integration.id,
    vendorState: options.state ?? null,
    returnUrl,
    expiresAt,
  });
  const url = new URL('/connect/microsoft', options.publicUrl);
  url.searchParams.set('integration', integration.name);
  if (options.state !== undefined) url.searchParams.set('state', options.state);
  url.searchParams.set('token', token);
  return { url: url.toString(), expiresAt };
}

/**
 * Uses a connect session's token (once): the session when the token is known, unexpired, unused and for this
 * integration; CONNECT_LINK_INVALID (401) otherwise.
 */
export async function redeemConnectSession(
  flows: ConnectFlowsRepository,
  token: string,
  integration: Integration,
): Promise<ConnectFlow> {
  const session = token.length <= 200 ? await flows.claim(sha256(token), ['session'], 'used') : undefined;
  if (!session || session.integrationId !== integration.id)
    throw new TenantlinkError(
      'CONNECT_LINK_INVALID',
      'This connect link was already used, has expired, or is not valid.',
      {
        status: 401,
        diagnosis: {
          meaning: 'Each connect link opens once, within 15 minutes of being made.',
          fix: 'Go back to the application that sent you here and start connecting again to get a new link.',
        },
      },
    );
  return session;
}
