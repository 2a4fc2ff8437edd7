import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { type CloudEndpoints, customCloudsFromEnv } from '../auth/clouds.js';
import { IntegrationService } from '../connect/integrations.js';
import { directoryQuotaFromEnv } from '../connections/connection-runtimes.js';
import { loadKeyring } from '../connections/keyring.js';
import { ConnectionService } from '../connections/service.js';
import { Vault } from '../connections/vault.js';
import { TenantlinkError } from '../errors.js';
import { type PostgresResourceBudget, sharedGraphBudget } from '../graph/postgres-budget.js';
import { GraphRequestMetrics } from '../graph/request-metrics.js';
import { sharedJobQueueFromEnv } from '../jobs/choose-runner.js';
import type { Logger } from '../logging/index.js';
import { allowPrivateTargetsFromEnv } from '../outbound/outbound-policy.js';
import { openStore, type Store } from '../store/database.js';
import { serverSettingsRepository } from '../store/server-settings-repository.js';
import { randomToken } from '../tokens.js';
import { ADMIN_PASSWORD_SETTING } from './auth/admin-password.js';
import { hostAndPort, lockDataFolder } from './data-folder-lock.js';
import { type DemoTenant, isDemoConnection, removeDemoLeftovers, startDemoTenant } from './demo.js';
import { listenForNotifications, type NotificationListener } from './notification-listener.js';
import { buildServer } from './server.js';

export interface StartServerOptions {
  dataDir: string;
  databaseUrl?: string;
  port?: number;
  host?: string;
  /** Start a sandbox tenant with a demo connection when no real connection is configured (default true). */
  demo?: boolean;
  adminPassword?: string;
  consoleDir?: string | null;
  /** The sandbox clouds to trust (`--sandbox`), besides the demo's own. */
  customClouds?: CloudEndpoints[];
  env?: Record<string, string | undefined>;
  logger?: Logger;
  secureCookies?: boolean;
  /** Where browsers and Microsoft reach the server (`--public-url`); default the listen address. */
  publicUrl?: string;
  /** Days the change feed keeps deletions (default 30; 0: for ever). */
  feedRetentionDays?: number;
  /**
   * Let webhooks reach loopback and private networks (`--allow-private-targets`; default from
   * TENANTLINK_ALLOW_PRIVATE_TARGETS). Demo mode always does: its receivers are on this machine.
   */
  allowPrivateTargets?: boolean;
  /** Serve HTTPS with this key and certificate (PEM, `serve --tls-cert/--tls-key`). */
  https?: { key: string; cert: string };
  /**
   * With PostgreSQL, jobs go on the queue every process shares; this says whether this process takes them too
   * (default true; `serve --no-jobs` leaves them to workers). Ignored with SQLite, where the server runs them.
   */
  jobs?: boolean;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  service: ConnectionService;
  /** The demo tenant, when one was started. */
  demo: DemoTenant | null;
  /** The demo's integration and the sandbox admin who can consent through it (demo mode only). */
  demoIntegration: { integration: string; admin: { userPrincipalName: string; password: string } | null } | null;
  /** While no admin password is set: the one-time token that setup needs (print it with the console link). */
  setupToken: string | null;
  /** Whether requests to URLs from input may reach loopback and private networks. */
  allowPrivateTargets: boolean;
  close(): Promise<void>;
}

/** Opens the store, starts the demo tenant when wanted, and listens. `close` stops everything it started. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 3000;
  // Before anything changes the data folder: a second server on it fails here, leaving the first one's data alone.
  const lock = await lockDataFolder(options.dataDir, { host, port });
  const store = await openStore({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  }).catch((err: unknown) => {
    lock.release();
    throw err;
  });
  let demo: DemoTenant | null = null;
  let service: ConnectionService | undefined;
  let budget: PostgresResourceBudget | undefined;
  let notifications: NotificationListener | null = null;
  try {
    const env = options.env ?? process.env;
    const vault = new Vault(await loadKeyring({ dataDir: options.dataDir, env }));
    const configured = [...(options.customClouds ?? []), ...customCloudsFromEnv(env.TENANTLINK_CUSTOM_CLOUDS)];
    // One registry for /metrics: the server's own metrics and those of every Graph client its connections build.
    const metricsRegistry = new Registry();
    const requestMetrics = new GraphRequestMetrics(metricsRegistry);
    // With PostgreSQL, Graph's throttling budgets (4 in flight per mailbox, Retry-After pauses) hold for every process.
    budget = sharedGraphBudget(store);
    const serviceFor = (clouds: CloudEndpoints[]) =>
      new ConnectionService({
        store,
        vault,
        ...(options.logger ? { logger: options.logger } : {}),
        customClouds: [...configured, ...clouds],
        configuredCloudsOnly: true,
        graph: { requestMetrics, ...(budget ? { budget } : {}), directoryQuota: directoryQuotaFromEnv(env) },
      });
    service = serviceFor([]);
    const real = (await service.list()).filter((c) => !isDemoConnection(c));
    let demoConnection: string | null = null;
    if (options.demo !== false && real.length === 0) {
      demo = await startDemoTenant(options.dataDir);
      await service.close();
      service = serviceFor([demo.cloud]);
      demoConnection = await demo.connect(service);
    } else {
      // What a demo made points at a sandbox that only lives as long as the server that started it.
      await removeDemoLeftovers(service, new IntegrationService(store, vault, service));
    }
    const allowPrivateTargets = demo !== null || (options.allowPrivateTargets ?? allowPrivateTargetsFromEnv(env));
    const setupToken = options.adminPassword || (await adminPasswordIsSet(store)) ? null : randomToken(24);
    // Demo mode over plain HTTP still receives the sandbox's change notifications: on an HTTPS listener of its own.
    notifications = demo && !options.https ? await listenForNotifications(demo.localhostTls) : null;
    const app = await buildServer({
      ...(options.https ? { https: options.https } : {}),
      ...(notifications ? { notificationBaseUrl: notifications.url } : {}),
      store,
      service,
      outbound: { allowPrivateTargets },
      metricsRegistry,
      ...(setupToken ? { setupToken } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.adminPassword ? { adminPassword: options.adminPassword } : {}),
      ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
      ...(options.secureCookies ? { secureCookies: true } : {}),
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(options.feedRetentionDays !== undefined ? { feedRetentionDays: options.feedRetentionDays } : {}),
      ...(demo ? { guideCloud: demo.cloud } : {}),
      // Under `serve --sandbox`, connections added without a cloud are for that sandbox.
      ...(options.customClouds?.[0]
        ? { defaultCloud: options.customClouds[0], guideCloud: options.customClouds[0] }
        : {}),
      demo: demoConnection ? { connection: demoConnection } : null,
      ...(options.databaseUrl
        ? {
            jobs: sharedJobQueueFromEnv(
              { ...env, TENANTLINK_DATABASE_URL: options.databaseUrl },
              { work: options.jobs !== false },
            ),
          }
        : {}),
    });
    const address = await listen(app, port, host);
    notifications?.serve(app);
    lock.listening(address);
    const demoIntegration = demo
      ? await demo.integrate(
          new IntegrationService(store, vault, service),
          (options.publicUrl ?? address.replace('[::1]', 'localhost')).replace(/\/+$/, ''),
        )
      : null;
    const running = service;
    return {
      url: address.replace('[::1]', 'localhost'),
      app,
      store,
      service: running,
      demo,
      demoIntegration,
      setupToken,
      allowPrivateTargets,
      async close() {
        try {
          await app.close();
          await running.close();
          await budget?.close();
          await notifications?.close();
          await demo?.close();
          await store.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    try {
      await service?.close();
      await budget?.close();
      await notifications?.close();
      await demo?.close();
      await store.close();
    } finally {
      lock.release();
    }
    throw err;
  }
}

async function adminPasswordIsSet(store: Store): Promise<boolean> {
  return (await serverSettingsRepository(store).get(ADMIN_PASSWORD_SETTING)) !== undefined;
}

/** Listens, or closes the app (its background jobs started with `ready`) and says why it could not. */
async function listen(app: FastifyInstance, port: number, host: string): Promise<string> {
  try {
    return await app.listen({ port, host });
  } catch (err) {
    await app.close().catch(() => {});
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new TenantlinkError(
      'PORT_IN_USE',
      `Cannot listen on ${hostAndPort(host, port)}: another process already listens there (EADDRINUSE). ` +
        `Pass --port with a free port (--port 0 picks one), or stop the process that uses port ${port}.`,
    );
  }
}
