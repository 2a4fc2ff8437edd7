import type { FastifyRequest } from 'fastify';

/** Who a limit counts against: the API key or the console session, else the client's address. */
function principalKey(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.kind === 'apiKey') return `key:${p.keyId}`;
  if (p?.kind === 'session') return `session:${p.idHash}`;
  return `ip:${request.ip}`;
}

const perMinute = (max: number) => ({ max, timeWindow: '1 minute', keyGenerator: principalKey });

/**
 * Limits on the requests that make tenantlink call out (Microsoft, an authority, a webhook receiver): each costs a
 * remote service work, so a leaked key or a looping script cannot turn the server into a load generator.
 */
export const RATE_LIMITS = {
  /** Run test: a token request and up to a dozen Graph calls each. */
  runTest: perMinute(20),
  /** A signed POST to the vendor's receiver. */
  ping: perMinute(10),
  /** A device-code request to the identity platform, then polling for up to 15 minutes. */
  deviceCodeStart: perMinute(10),
};
