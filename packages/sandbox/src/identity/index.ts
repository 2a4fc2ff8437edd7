import type { FastifyInstance } from 'fastify';
import type { IdentityContext } from './context.js';
import { registerDiscoveryRoutes } from './discovery-routes.js';
import { registerInteractionRoutes } from './interactive/interaction-routes.js';
import { registerTokenRoutes } from './token-routes.js';

export type { IdentityContext, IdentitySettings } from './context.js';
export { DEFAULT_IDENTITY_SETTINGS } from './context.js';

/** The Microsoft identity platform endpoints: discovery, keys, token, device code, authorize, admin consent. */
export function registerIdentity(app: FastifyInstance, ctx: IdentityContext): void {
  registerDiscoveryRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  registerInteractionRoutes(app, ctx);
}
