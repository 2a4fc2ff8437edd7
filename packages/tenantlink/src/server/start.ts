import type { FastifyInstance } from 'fastify';
import type { CloudEndpoints } from '../connections/clouds.js';
import { loadKeyring } from '../connections/keyring.js';
import { ConnectionService } from '../connections/service.js';
import { Vault } from '../connections/vault.js';
import type { Logger } from '../logging.js';
import { openStore, type Store } from '../store/database.js';
import { type DemoTenant, startDemoTenant } from './demo.js';
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
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  service: ConnectionService;
  /** The demo tenant, when one was started. */
  demo: DemoTenant | null;
  close(): Promise<void>;
}

/** Opens the store, starts the demo tenant when wanted, and listens. `close` stops everything it started. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const store = await openStore({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  let demo: DemoTenant | null = null;
  let service: ConnectionService | undefined;
  try {
    const vault = new Vault(await loadKeyring({ dataDir: options.dataDir, env: options.env ?? process.env }));
    const serviceFor = (clouds: CloudEndpoints[]) =>
      new ConnectionService({
        store,
        vault,
        ...(options.logger ? { logger: options.logger } : {}),
        customClouds: [...(options.customClouds ?? []), ...clouds],
      });
    service = serviceFor([]);
    const real = (await service.list()).filter((c) => c.settings.demo !== true);
    let demoConnection: string | null = null;
    if (options.demo !== false && real.length === 0) {
      demo = await startDemoTenant(options.dataDir);
      await service.close();
      service = serviceFor([demo.cloud]);
      demoConnection = await demo.connect(service);
    } else {
      // A demo connection points at a sandbox that only lives as long as the server that started it.
      for (const c of await service.list()) if (c.settings.demo === true) await service.remove(c.id);
    }
    const app = await buildServer({
      store,
      service,
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
      // Commits by other processes on the same PostgreSQL wake the webhook dispatcher at once.
      ...(options.databaseUrl ? { webhooks: { listen: { databaseUrl: options.databaseUrl } } } : {}),
    });
    const address = await app.listen({ port: options.port ?? 3000, host: options.host ?? '127.0.0.1' });
    const running = service;
    return {
      url: address.replace('[::1]', 'localhost'),
      app,
      store,
      service: running,
      demo,
      async close() {
        await app.close();
        await running.close();
        await demo?.close();
        await store.close();
      },
    };
  } catch (err) {
    await service?.close();
    await demo?.close();
    await store.close();
    throw err;
  }
}
