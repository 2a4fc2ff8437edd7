import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { type CloudEndpoints, sandboxCloud } from '../../auth/clouds.js';
import { createLogger, type LogLevel } from '../../logging/index.js';
import { allowPrivateTargetsFromEnv } from '../../outbound/outbound-policy.js';
import { DEMO_CONNECTION } from '../../server/demo.js';
import { startServer } from '../../server/start.js';
import { type Cli, type CliIo, dataDirOf } from '../context.js';
import type { CommandHint } from '../hints.js';
import { UsageError } from '../io.js';
import { feedRetentionDays } from '../options/feed-retention.js';
import { givenPublicUrl, publicUrlOption } from '../options/public-url.js';

export interface ServeOptions {
  dataDir: string;
  port: number;
  host: string;
  demo: boolean;
  secureCookies: boolean;
  allowPrivateTargets: boolean;
  publicUrl?: string;
  feedRetentionDays?: number;
  /** Take background jobs here too (default); false leaves them to `tenantlink worker` processes. */
  jobs: boolean;
  /** Serve HTTPS with this key and certificate (PEM). */
  https?: { key: string; cert: string };
  logLevel: LogLevel;
  sandbox?: CloudEndpoints;
  io: CliIo;
  hint: CommandHint;
}

/** `tenantlink serve`: the HTTP API and the console, until Ctrl-C. */
export function registerServeCommand({ program, io, globals, hint }: Cli): void {
  program
    .command('serve')
    .description('start the HTTP API and the console (with a demo sandbox tenant when no connection exists)')
    .option('--port <port>', 'port to listen on (default: $PORT or 3000)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--no-demo', 'never start the demo sandbox tenant')
    .option('--secure-cookies', 'mark cookies Secure even over HTTP (behind a TLS-terminating proxy)')
    .addOption(
      publicUrlOption(
        'the URL browsers and Microsoft reach the server at; connect links and the redirect URI use it (default: $TENANTLINK_PUBLIC_URL, else the listen address)',
      ),
    )
    .option(
      '--feed-retention-days <days>',
      'days the change feed keeps deletions, 0 for ever (default: $TENANTLINK_FEED_RETENTION_DAYS or 30)',
    )
    .option(
      '--allow-private-targets',
      'let webhooks reach loopback and private networks (default: $TENANTLINK_ALLOW_PRIVATE_TARGETS; demo mode does)',
    )
    .option('--no-jobs', 'take no background jobs here: leave them to `tenantlink worker` processes (PostgreSQL only)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM, with its chain); needs --tls-key')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .action(async (opts) => {
      const { sandbox, logLevel } = globals();
      if (opts.jobs === false && !io.env.TENANTLINK_DATABASE_URL)
        throw new UsageError(
          '--no-jobs needs a queue the workers share: set TENANTLINK_DATABASE_URL (PostgreSQL). With SQLite, serve runs the jobs.',
        );
      const given = opts.port ?? io.env.PORT ?? '3000';
      const port = Number(given);
      if (!/^\d+$/.test(given) || port > 65_535)
        throw new UsageError(`${opts.port === undefined ? 'PORT' : '--port'} must be 0-65535, not ${given}.`);
      const publicUrl = givenPublicUrl(opts.publicUrl, io.env)?.url;
      const https = tlsFiles(opts.tlsCert, opts.tlsKey);
      await serve({
        ...(https ? { https } : {}),
        dataDir: dataDirOf(globals(), io.env),
        port,
        host: opts.host,
        demo: opts.demo,
        secureCookies: opts.secureCookies === true,
        allowPrivateTargets: opts.allowPrivateTargets === true || allowPrivateTargetsFromEnv(io.env),
        ...(publicUrl ? { publicUrl } : {}),
        feedRetentionDays: feedRetentionDays(opts.feedRetentionDays ?? io.env.TENANTLINK_FEED_RETENTION_DAYS) ?? 30,
        jobs: opts.jobs !== false,
        logLevel,
        ...(sandbox ? { sandbox: sandboxCloud(sandbox).cloud } : {}),
        io,
        hint,
      });
    });
}

/** The key and certificate of `--tls-cert` and `--tls-key`, both or neither, read and checked to be PEM. */
function tlsFiles(
  certFile: string | undefined,
  keyFile: string | undefined,
): { key: string; cert: string } | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined)
    throw new UsageError('--tls-cert and --tls-key go together: give both files, or neither.');
  const read = (file: string, flag: string, marker: RegExp, what: string) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    if (!marker.test(text)) throw new UsageError(`${flag}: ${file} is not a PEM ${what}.`);
    return text;
  };
  const cert = read(certFile, '--tls-cert', /-----BEGIN CERTIFICATE-----/, 'certificate');
  const key = read(keyFile, '--tls-key', /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/, 'private key');
  try {
    createSecureContext({ cert, key });
  } catch {
    throw new UsageError("--tls-cert and --tls-key do not make a TLS pair: is the key the certificate's?");
  }
  return { key, cert };
}

/** Runs the server until SIGINT or SIGTERM, then closes it cleanly. */
export async function serve(options: ServeOptions): Promise<void> {
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
    jobs: options.jobs,
    ...(options.https ? { https: options.https } : {}),
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
  if (io.env.TENANTLINK_DATABASE_URL)
    io.out(
      options.jobs
        ? '  Jobs: on the queue shared through PostgreSQL; this process takes them, and so does any `tenantlink worker`.'
        : '  Jobs: on the queue shared through PostgreSQL; only `tenantlink worker` processes take them (--no-jobs).',
    );
  if (server.allowPrivateTargets)
    io.out(
      `  Private targets allowed: webhooks may reach loopback and private networks${server.demo ? ' (demo mode)' : ''}.`,
    );
  if (server.demo) {
    io.out(
      `  Demo mode: a sandbox tenant (${server.demo.tenantDomain}) runs at ${server.demo.authority} with the connection '${DEMO_CONNECTION}'. ` +
        'Add a real connection, or start with --no-demo, to turn it off.',
    );
    io.out(`  Try it from another terminal: ${options.hint(`doctor ${DEMO_CONNECTION}`)}`);
    const integration = server.demoIntegration;
    if (integration) {
      const admin = integration.admin
        ? ` (the sandbox's administrator ${integration.admin.userPrincipalName}, password ${integration.admin.password})`
        : '';
      io.out(
        `  Connect links: the integration '${integration.integration}' is ready; make a link on the console's Integrations ` +
          `page (or POST /api/v1/connect-sessions) and consent as an administrator${admin}.`,
      );
    }
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.out('Stopping…');
  await server.close();
}
