import { resolve } from 'node:path';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { type CloudEndpoints, customCloudsFromEnv, sandboxCloud } from '../auth/clouds.js';
import { directoryQuotaFromEnv } from '../connections/connection-runtimes.js';
import { loadKeyring } from '../connections/keyring.js';
import { ConnectionService } from '../connections/service.js';
import { Vault } from '../connections/vault.js';
import { sharedGraphBudget } from '../graph/postgres-budget.js';
import type { GraphRequestMetrics } from '../graph/request-metrics.js';
import { createLogger, type LogLevel } from '../logging/index.js';
import { allowPrivateTargetsFromEnv, OutboundPolicy } from '../outbound/outbound-policy.js';
import { openStore, type Store } from '../store/database.js';
import { demoSandboxCloud } from './demo-sandbox.js';
import type { CommandHint } from './hints.js';
import type { Output } from './io.js';

/** Where the CLI prints and reads, and the environment it runs in (tests pass their own). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

/** The options every command takes (`tenantlink --json --data DIR --sandbox FILE --log-level L <command>`). */
export interface GlobalOptions {
  json?: true;
  data?: string;
  sandbox?: string;
  logLevel: LogLevel;
}

/** What a command that works on the data folder needs; opened before its action and closed after. */
export interface CliContext {
  service: ConnectionService;
  store: Store;
  output: Output;
  /** Where URLs from input (webhooks) may point: TENANTLINK_ALLOW_PRIVATE_TARGETS=1 allows private networks. */
  outbound: OutboundPolicy;
  /** The cloud of `--sandbox`: trusted, and the default cloud of new connections. */
  sandbox: CloudEndpoints | undefined;
  /** Without `--sandbox`: the demo sandbox of a `tenantlink serve` on this data folder, trusted for its cloud only. */
  demoSandbox: CloudEndpoints | undefined;
}

export type WithContext = <A extends unknown[]>(
  action: (ctx: CliContext, ...args: A) => Promise<void>,
  options?: ContextOptions,
) => (...args: A) => Promise<void>;

export interface ContextOptions {
  /** Where the connections' Graph clients count their requests (a worker's `/metrics`). */
  requestMetrics?: GraphRequestMetrics;
}

/** What each command group registers its commands with. */
export interface Cli {
  program: CommandUnknownOpts;
  io: CliIo;
  output: Output;
  /** The global options, once parsed. */
  globals(): GlobalOptions;
  /** Wraps an action: the context is opened before it runs and closed after, whatever happens. */
  withContext: WithContext;
  /** The command's work failed (the doctor found errors, a test event was refused): exit 1. */
  failed(): void;
  /** Names a command the way the user runs tenantlink. */
  hint: CommandHint;
}

/** The data folder: `--data`, else TENANTLINK_DATA, else `./.tenantlink`. */
export function dataDirOf(globals: GlobalOptions, env: CliIo['env']): string {
  return resolve(globals.data ?? env.TENANTLINK_DATA ?? '.tenantlink');
}

/** Opens the store, the vault and the connection service of the data folder; `close` releases them. */
export async function openContext(
  globals: GlobalOptions,
  io: CliIo,
  output: Output,
  options: ContextOptions = {},
): Promise<CliContext & { close(): Promise<void> }> {
  const dataDir = dataDirOf(globals, io.env);
  const sandbox = globals.sandbox ? sandboxCloud(globals.sandbox).cloud : undefined;
  const demoSandbox = sandbox ? undefined : demoSandboxCloud(dataDir);
  const store = await openStore({
    dataDir,
    ...(io.env.TENANTLINK_DATABASE_URL ? { databaseUrl: io.env.TENANTLINK_DATABASE_URL } : {}),
  });
  let service: ConnectionService;
  const budget = sharedGraphBudget(store);
  try {
    service = new ConnectionService({
      store,
      vault: new Vault(await loadKeyring({ dataDir, env: io.env })),
      logger: createLogger({ level: globals.logLevel, destination: 2 }),
      customClouds: [sandbox, demoSandbox, ...customCloudsFromEnv(io.env.TENANTLINK_CUSTOM_CLOUDS)].filter(
        (c): c is CloudEndpoints => c !== undefined,
      ),
      graph: {
        ...(budget ? { budget } : {}),
        ...(options.requestMetrics ? { requestMetrics: options.requestMetrics } : {}),
        directoryQuota: directoryQuotaFromEnv(io.env),
      },
    });
  } catch (err) {
    await budget?.close();
    await store.close();
    throw err;
  }
  const outbound = new OutboundPolicy({ allowPrivateTargets: allowPrivateTargetsFromEnv(io.env) });
  return {
    service,
    store,
    output,
    outbound,
    sandbox,
    demoSandbox,
    async close() {
      await outbound.close();
      await service.close();
      await budget?.close();
      await store.close();
    },
  };
}
