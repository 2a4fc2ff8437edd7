import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

const DESCRIPTION = `Connect customers' Microsoft 365 tenants: connections and their setup guides, Run test (the doctor),
integrations and connect flows, directory sync with its change feed, and signed webhooks.

**Authenticate** with an API key: create one with \`tenantlink apikeys create --name <name> [--scope admin|read|metrics]\`
(or on the console's API keys page) and send it as \`Authorization: Bearer <key>\`. Use **Authorize** above to try
the API with it here. In a browser signed in to the console, the console's session works too.`;

/**
 * Every tag the routes use, in the order the docs list them, with what its routes are for. A route with a tag missing
 * here shows in the docs without a description: add the tag here too.
 */
const TAGS = [
  { name: 'connections', description: "Customers' Microsoft 365 tenants: add, change and remove them, and Run test." },
  {
    name: 'guide',
    description: 'The feature catalogue and the setup guide a customer admin follows in Microsoft Entra.',
  },
  {
    name: 'integrations',
    description: 'Your own multi-tenant app registrations, through which customer admins connect their tenants.',
  },
  {
    name: 'connect',
    description: 'Connect flows: one-time connect links, admin consent and sign-in pages, and device-code sign-in.',
  },
  { name: 'sync', description: 'Directory sync runs and the change feed of users, groups and memberships.' },
  {
    name: 'jobs',
    description:
      'Background jobs (syncs, webhook deliveries, tests, subscription upkeep) as recorded: what waits, what runs, and the dead jobs with their last error.',
  },
  {
    name: 'calendar',
    description: 'Calendar: free/busy of many people at once, each with an answer or an error of their own.',
  },
  {
    name: 'notifications',
    description:
      'Change notifications: the public endpoints Microsoft Graph posts to, and the subscriptions each connection keeps (or why it is polled instead).',
  },
  {
    name: 'webhooks',
    description: 'Endpoints of your product that receive the change feed, signed, retried and replayable.',
  },
  {
    name: 'api-keys',
    description: 'API keys and their scopes (admin, read, metrics); a key is shown only when created.',
  },
  { name: 'session', description: "The console's sign-in: session cookie, CSRF token, and the first admin password." },
  { name: 'health', description: "Liveness, readiness, this server's version and demo state, and Prometheus metrics." },
];

/** tenantlink's mark (the console's favicon), shown in the docs' top bar. */
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5cad"/><path d="M9 16h14M16 9v14" stroke="#fff" stroke-width="4" stroke-linecap="round"/></svg>`;

const THEME_CSS = `.swagger-ui .topbar { background: #0b5cad; }
.swagger-ui .topbar .link img { height: 32px; }
.swagger-ui .topbar .link::after { content: 'tenantlink API'; color: #fff; font: 600 1.2rem system-ui, sans-serif; margin-left: 0.6rem; }`;

/**
 * The OpenAPI document built from the route schemas (at /api/openapi.json) and the browsable docs at /api/docs,
 * branded as tenantlink's. Register before the routes, so that the document sees them all.
 */
export async function registerApiDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'tenantlink API', version, description: DESCRIPTION },
      tags: TAGS,
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from `tenantlink apikeys create`' },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    theme: {
      title: 'tenantlink API',
      css: [{ filename: 'tenantlink.css', content: THEME_CSS }],
      favicon: [{ filename: 'favicon.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: LOGO }],
    },
    logo: { type: 'image/svg+xml', content: LOGO, href: '/' },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
