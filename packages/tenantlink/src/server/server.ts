import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { CloudEndpoints } from '../auth/clouds.js';
import { BrowserFlows, type ConnectOutcome } from '../connect/browser-flows.js';
import { DeviceCodeSignIns } from '../connect/device-code.js';
import { IntegrationService } from '../connect/integrations.js';
import { publishConnectOutcomes } from '../connect/outcome-events.js';
import { checkPublicUrl } from '../connect/public-url.js';
import type { ConnectionService } from '../connections/service.js';
import { TenantlinkError } from '../errors.js';
import type { SharedJobQueue } from '../jobs/choose-runner.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Logger } from '../logging/index.js';
import { NotificationReceiver } from '../notifications/receiver.js';
import { NOTIFICATION_URL_SETTING } from '../notifications/subscription-manager.js';
import { OutboundPolicy, type OutboundPolicyOptions } from '../outbound/outbound-policy.js';
import { apiKeysRepository } from '../store/api-keys-repository.js';
import { connectFlowsRepository } from '../store/connect-flows-repository.js';
import { connectSessionsRepository } from '../store/connect-sessions-repository.js';
import { consoleSessionsRepository } from '../store/console-sessions-repository.js';
import type { Store } from '../store/database.js';
import { type DoctorRunsRepository, doctorRunsRepository } from '../store/doctor-runs-repository.js';
import { serverSettingsRepository } from '../store/server-settings-repository.js';
import { WebhookEventSignal } from '../webhooks/events.js';
import { registerApiDocs } from './api-docs.js';
import { AdminPassword } from './auth/admin-password.js';
import { principalLabel, registerAuthentication } from './auth/authenticate.js';
import { TrustedHosts } from './auth/trusted-hosts.js';
import { type BackgroundWorkOptions, backgroundWork } from './background-work.js';
import { defaultConsoleDir, registerConsole } from './console.js';
import { runTestJob } from './doctor-jobs.js';
import { registerErrorHandling } from './errors.js';
import { registerInputLimits } from './input-limits.js';
import { ServerMetrics } from './metrics.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { calendarRoutes } from './routes/calendar.js';
import { connectApiRoutes } from './routes/connect-api.js';
import { CALLBACK_PATH, connectPageRoutes } from './routes/connect-pages.js';
import { connectionRoutes } from './routes/connections.js';
import { guideRoutes } from './routes/guide.js';
import { healthRoutes } from './routes/health.js';
import { integrationRoutes } from './routes/integrations.js';
import { jobRoutes } from './routes/jobs.js';
import { notificationRoutes, subscriptionSchedules } from './routes/notifications.js';
import { sessionRoutes } from './routes/session.js';
import { syncRoutes } from './routes/sync.js';
import { registerWebhooks } from './routes/webhooks.js';

export interface ServerOptions {
  store: Store;
  service: ConnectionService;
  logger?: Logger;
  /** `TENANTLINK_ADMIN_PASSWORD`: applied at start. Without it, the first visitor on this machine chooses one. */
  adminPassword?: string;
  /** The built console; null serves none. Default: packages/console/dist beside this package. */
  consoleDir?: string | null;
  /** Set the Secure flag on cookies even over plain HTTP (behind a TLS-terminating proxy). */
  secureCookies?: boolean;
  /** The cloud the guide's admin-consent link points at (the sandbox's in demo mode). */
  guideCloud?: CloudEndpoints;
  /** The cloud of connections added without one (the sandbox's under `serve --sandbox`); default global. */
  defaultCloud?: CloudEndpoints;
  /** The demo connection, when a sandbox runs beside the server. */
  demo?: { connection: string } | null;
  version?: string;
  /**
   * The URL browsers and Microsoft reach this server at (`https://tenantlink.example.com`): connect links and the
   * redirect URI `<publicUrl>/connect/microsoft/callback` are built on it. Default: the address it listens on.
   */
  publicUrl?: string;
  /**
   * After admin consent, how long to wait for Microsoft Entra to replicate the new service principal before the
   * doctor's verdict counts (default 2 s, then 5 s; only while it finds APP_NOT_FOUND or CONSENT_MISSING).
   */
  consentPropagationDelaysMs?: readonly number[];
  /** Webhook delivery tuning (retries, timeouts, batch size, the interval of the look for deliveries behind). */
  webhooks?: BackgroundWorkOptions['webhooks'];
  /** Days the change feed keeps deletions (default 30; 0: for ever). */
  feedRetentionDays?: number;
  /**
   * Background jobs (syncs, webhook deliveries, tests) on the queue several processes share (PostgreSQL, pg-boss);
   * without it they run in this process.
   */
  jobs?: SharedJobQueue;
  /**
   * While no admin password is set, choosing one needs this one-time token (`serve` prints it, in the console link it
   * prints). Without it, setup through the API is refused: set the password with TENANTLINK_ADMIN_PASSWORD instead.
   */
  setupToken?: string;
  /**
   * Where requests to URLs that came from input may go (webhooks): by default nowhere on loopback or private
   * networks. `{allowPrivateTargets: true}` is the operator's opt-in (demo mode and tests use it).
   */
  outbound?: OutboundPolicyOptions;
  /**
   * Where Microsoft Graph posts change notifications, when not at the public URL (demo mode's HTTPS listener beside a
   * plain-HTTP server). Default: the public URL, when it is HTTPS.
   */
  notificationBaseUrl?: string;
  /** Serve HTTPS with this key and certificate (PEM): Microsoft Graph posts change notifications only to HTTPS. */
  https?: { key: string; cert: string };
  /** The registry `/metrics` exports, shared with the connections' Graph metrics (`startServer`); default its own. */
  metricsRegistry?: Registry;
}

/** The cloud new connections and integrations get when none is given, as the routes take it. */
function defaultCloudOption(options: ServerOptions) {
  const c = options.defaultCloud;
  return c ? { defaultCloud: { authorityHost: c.authorityHost, graphEndpoint: c.graphEndpoint } } : {};
}

/**
 * The tenantlink HTTP server: the REST API under /api/v1 (described at /api/openapi.json, browsable at /api/docs),
 * health and metrics, and the console. Route schemas (zod) are the one source of validation and of the OpenAPI document.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.https ? { https: { key: options.https.key, cert: options.https.cert } } : {}),
    ...(options.logger ? { loggerInstance: options.logger as unknown as FastifyBaseLogger } : { logger: false }),
    // Fastify's own request lines carry the raw URL; ours (below) log the route template only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerInputLimits(app);

  const sessions = consoleSessionsRepository(options.store);
  const apiKeys = apiKeysRepository(options.store);
  const doctorRuns = doctorRunsRepository(options.store);
  const admin = new AdminPassword(serverSettingsRepository(options.store), sessions);
  if (options.adminPassword) await admin.applyFromEnvironment(options.adminPassword);

  const metrics = new ServerMetrics(async () => (await options.service.list()).length, options.metricsRegistry);
  metrics.observe(app);
  // Requests are logged by route template, status and who made them: URLs can carry codes, states and user names.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        by: principalLabel(request.principal),
      },
      'request',
    );
  });
  // API and connect answers carry connections, states and one-time secrets: only the console's files may be cached.
  app.addHook('onSend', async (request, reply) => {
    if (!request.routeOptions.config.consoleFile) reply.header('cache-control', 'no-store');
  });

  // Security headers on every answer: a CSP that allows only this origin's scripts (the console is built without
  // inline scripts), no framing, no MIME sniffing, no referrer.
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'form-action': ["'self'"] } },
    referrerPolicy: { policy: 'no-referrer' },
    // HTTPS is the deployment's choice (a TLS-terminating proxy); the proxy should send HSTS.
    strictTransportSecurity: false,
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  const configuredPublicUrl = options.publicUrl === undefined ? undefined : checkPublicUrl(options.publicUrl);
  const trustedHosts = new TrustedHosts(
    () => app.addresses(),
    () => configuredPublicUrl,
  );
  registerAuthentication(app, { apiKeys, sessions }, trustedHosts);
  // Public routes say so in the OpenAPI document too: no security requirement.
  app.addHook('onRoute', (route) => {
    if (route.config?.public && route.schema) route.schema = { ...route.schema, security: [] };
  });

  await registerApiDocs(app, options.version ?? '0.1.0');

  const demo = options.demo ?? null;
  let jobRunner: JobRunner | undefined;
  await app.register(healthRoutes, {
    store: options.store,
    metrics,
    version: options.version ?? '0.1.0',
    demo,
    jobs: () => jobRunner,
  });
  await app.register(sessionRoutes, {
    prefix: '/api/v1',
    admin,
    trustedHosts,
    setupToken: options.setupToken ?? null,
    sessions,
    secureCookies: options.secureCookies ?? false,
  });
  await app.register(guideRoutes, { prefix: '/api/v1', ...(options.guideCloud ? { cloud: options.guideCloud } : {}) });
  /** Where Graph posts change notifications: demo mode's HTTPS listener, else the public URL (throws before listening). */
  const notificationBase = () => options.notificationBaseUrl ?? configuredPublicUrl ?? listenUrl(app);
  // Connect outcomes become lifecycle webhook events; the signal hands them to the dispatcher.
  const events = new WebhookEventSignal();
  const outbound = new OutboundPolicy(options.outbound);
  const background = backgroundWork({
    store: options.store,
    service: options.service,
    logger: options.logger,
    jobs: options.jobs,
    metricsRegistry: metrics.registry,
    feedRetentionDays: options.feedRetentionDays,
    webhooks: options.webhooks,
    outbound,
    events,
    publicUrl: () => {
      try {
        return notificationBase();
      } catch {
        return undefined;
      }
    },
  });
  jobRunner = background.runner;
  // Once listening, the URL Graph posts notifications to is known: recorded for the workers, then subscriptions are
  // looked after.
  const subscriptionUpkeep = subscriptionSchedules(background.runner, options.service, options.logger);
  app.addHook('onListen', async () => {
    const url = notificationBase();
    const settings = serverSettingsRepository(options.store);
    if (url.startsWith('https://')) await settings.set(NOTIFICATION_URL_SETTING, url.replace(/\/+$/, ''));
    // An earlier server's URL must not outlive it: without HTTPS here, the features are polled.
    else await settings.remove(NOTIFICATION_URL_SETTING);
    await subscriptionUpkeep.start();
  });
  app.addHook('onClose', async () => subscriptionUpkeep.stop());
  // Started once every route is registered (the sync scheduler enqueues on the started runner).
  app.addHook('onReady', async () => background.start());
  app.addHook('onClose', async () => {
    await background.stop();
    await outbound.close();
  });
  await app.register(connectionRoutes, {
    prefix: '/api/v1',
    service: options.service,
    doctorRuns,
    runTest: (id) => runTestJob(background.runner, options.store, id),
    ...defaultCloudOption(options),
    onTestRun: (run) => metrics.testRuns.inc({ result: run.ok ? 'ok' : 'errors' }),
  });
  await registerConnectFlows(
    app,
    options,
    configuredPublicUrl,
    doctorRuns,
    metrics,
    publishConnectOutcomes(options.store, events),
  );
  await registerWebhooks(app, { ...options, outbound, dispatcher: background.webhooks });
  await app.register(syncRoutes, {
    ...options,
    prefix: '/api/v1',
    sync: background.sync,
    runner: background.runner,
  });
  await app.register(notificationRoutes, {
    store: options.store,
    service: options.service,
    manager: background.subscriptions,
    receiver: new NotificationReceiver({
      store: options.store,
      vault: options.service.vault,
      sync: background.sync,
      runner: background.runner,
      logger: options.logger,
    }),
    logger: options.logger,
  });
  await app.register(calendarRoutes, { prefix: '/api/v1', service: options.service });
  await app.register(apiKeyRoutes, { prefix: '/api/v1', apiKeys });
  await app.register(jobRoutes, { prefix: '/api/v1', store: options.store, service: options.service });
  await registerConsole(app, options.consoleDir === undefined ? defaultConsoleDir() : options.consoleDir);
  return app;
}

/** Connect flows: integrations, one-time connect links, admin consent, sign-in (auth code) and device code. */
async function registerConnectFlows(
  app: FastifyInstance,
  options: ServerOptions,
  configuredPublicUrl: string | undefined,
  doctorRuns: DoctorRunsRepository,
  metrics: ServerMetrics,
  onOutcome?: (outcome: ConnectOutcome) => void | Promise<void>,
): Promise<void> {
  const publicUrl = () => configuredPublicUrl ?? listenUrl(app);
  const redirectUri = () => `${publicUrl()}${CALLBACK_PATH}`;
  const integrations = new IntegrationService(options.store, options.service.vault, options.service);
  const flows = connectFlowsRepository(options.store);
  const sessions = connectSessionsRepository(options.store);
  const shared = {
    service: options.service,
    doctorRuns,
    onTestRun: (run: { ok: boolean }) => metrics.testRuns.inc({ result: run.ok ? 'ok' : 'errors' }),
    flows,
    integrations,
    ...(options.consentPropagationDelaysMs ? { consentPropagationDelaysMs: options.consentPropagationDelaysMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const deviceCodes = new DeviceCodeSignIns({ ...shared, ...(onOutcome ? { onOutcome } : {}) });
  const browserFlows = new BrowserFlows({
    ...shared,
    sessions,
    vault: options.service.vault,
    redirectUri,
    ...(onOutcome ? { onOutcome } : {}),
  });
  app.addHook('onClose', async () => deviceCodes.close());
  await app.register(integrationRoutes, {
    prefix: '/api/v1',
    integrations,
    redirectUri,
    chooseCloud: (choice) => options.service.chooseCloud(choice),
    ...defaultCloudOption(options),
  });
  await app.register(connectApiRoutes, { prefix: '/api/v1', integrations, sessions, deviceCodes, publicUrl });
  await app.register(connectPageRoutes, {
    integrations,
    sessions,
    service: options.service,
    browserFlows,
    publicUrl,
    secureCookies: () => options.secureCookies === true || publicUrl().startsWith('https:'),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

/** The URL of the address the server listens on: the public URL when none is configured. */
function listenUrl(app: FastifyInstance): string {
  const address = app.addresses()[0];
  if (!address || typeof address === 'string')
    throw new TenantlinkError(
      'PUBLIC_URL_UNKNOWN',
      'The server does not listen on a TCP port (yet) and has no public URL set: set publicUrl (--public-url).',
    );
  let host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (['0.0.0.0', '::', '::1'].includes(address.address)) host = 'localhost';
  return `${app.initialConfig.https ? 'https' : 'http'}://${host}:${address.port}`;
}
