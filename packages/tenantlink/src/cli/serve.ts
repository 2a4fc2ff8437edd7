import type { CloudEndpoints } from '../auth/clouds.js';
import { createLogger, type LogLevel } from '../logging/index.js';
import { startServer } from '../server/start.js';
import { EXIT } from './io.js';
import type { CliIo } from './run.js';

export interface ServeOptions {
  dataDir: string;
  port: number;
  host: string;
  demo: boolean;
  secureCookies: boolean;
  allowPrivateTargets: boolean;
  publicUrl?: string;
  feedRetentionDays?: number;
  logLevel: LogLevel;
  sandbox?: CloudEndpoints;
  io: CliIo;
}

/** Runs the server until SIGINT or SIGTERM, then closes it cleanly. Resolves to the exit code. */
export async function serve(options: ServeOptions): Promise<number> {
  const { io } = options;
  const logger = createLogger({ level: options.logLevel, destination: 2 });
  const server = await startServer({
    dataDir: options.dataDir,
    ...(io.env.TENANTLINK_DATABASE_URL ? { databaseUrl: io.env.TENANTLINK_DATABASE_URL } : {}),
    ...(io.env.TENANTLINK_ADMIN_PASSWORD ? { adminPassword: io.env.TENANTLINK_ADMIN_PASSWORD } : {}),
    port: options.port,
    host: options.host,
    demo: options.demo,
    secureCookies: options.secureCookies,
    allowPrivateTargets: options.allowPrivateTargets,
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.feedRetentionDays !== undefined ? { feedRetentionDays: options.feedRetentionDays } : {}),
    env: io.env,
    logger,
    ...(options.sandbox ? { customClouds: [options.sandbox] } : {}),
  });
  io.out(`tenantlink is listening on ${server.url}`);
  io.out(`  console   ${server.url}/`);
  io.out(`  API       ${server.url}/api/v1   (docs: ${server.url}/api/docs)`);
  io.out(
    `  connect   ${(options.publicUrl ?? server.url).replace(/\/+$/, '')}/connect/microsoft/callback   (the Web redirect URI integrations register)`,
  );
  if (server.setupToken)
    // The token travels in the fragment: browsers never send it to a server, a proxy or a log.
    io.out(
      `  Choose the admin password: open ${server.url}/#setup-token=${server.setupToken} in a browser on this machine ` +
        `(setup token ${server.setupToken}; valid until this server stops), or set TENANTLINK_ADMIN_PASSWORD.`,
    );
  if (server.allowPrivateTargets)
    io.out(
      `  Private targets allowed: webhooks may reach loopback and private networks${server.demo ? ' (demo mode)' : ''}.`,
    );
  if (server.demo)
    io.out(
      `  Demo mode: a sandbox tenant (${server.demo.tenantDomain}) runs at ${server.demo.authority} with the connection 'demo'. ` +
        'Add a real connection, or start with --no-demo, to turn it off.',
    );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.out('Stopping…');
  await server.close();
  return EXIT.ok;
}
