import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { describeAccessToken } from '../auth/claims.js';
import type { ConnectionMode } from '../catalogue/permissions.js';
import { type Cloud, type CloudEndpoints, cloudEndpoints, sandboxCloud } from '../connections/clouds.js';
import { loadKeyring } from '../connections/keyring.js';
import { FEATURES, type Feature, validateConnectionInput } from '../connections/model.js';
import { type ConnectionCredential, ConnectionService } from '../connections/service.js';
import { Vault } from '../connections/vault.js';
import { type DoctorInput, runDoctor } from '../doctor/doctor.js';
import { type GuideFormat, renderGuide } from '../guide/render.js';
import { buildSetupGuide } from '../guide/setup-guide.js';
import { createLogger, type LogLevel, scrubLogLine } from '../logging.js';
import { openStore } from '../store/database.js';
import { EXIT, type Output, print, printError, readSecretFile, readSecretStdin, UsageError } from './io.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

interface GlobalOptions {
  json?: boolean;
  data?: string;
  sandbox?: string;
  logLevel?: LogLevel;
}

/** What a command needs: the connection service over the store and vault, and the sandbox cloud when given. */
interface Context {
  service: ConnectionService;
  sandbox: CloudEndpoints | undefined;
  output: Output;
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Runs the tenantlink CLI and resolves to its exit code (0 done, 1 failed, 2 used wrongly). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const output: Output = { json: argv.includes('--json'), out: io.out, err: io.err };

  const withContext =
    <A extends unknown[]>(action: (ctx: Context, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      output.json = globals.json === true;
      const dataDir = resolve(globals.data ?? io.env.TENANTLINK_DATA ?? '.tenantlink');
      const sandbox = globals.sandbox ? sandboxCloud(globals.sandbox).cloud : undefined;
      const logger = createLogger({ level: globals.logLevel ?? 'warn', destination: 2 });
      const store = await openStore({
        dataDir,
        ...(io.env.TENANTLINK_DATABASE_URL ? { databaseUrl: io.env.TENANTLINK_DATABASE_URL } : {}),
      });
      const service = new ConnectionService({
        store,
        vault: new Vault(await loadKeyring({ dataDir, env: io.env })),
        logger,
        ...(sandbox ? { customClouds: [sandbox] } : {}),
      });
      try {
        await action({ service, sandbox, output }, ...args);
      } finally {
        await service.close();
        await store.close();
      }
    };

  const program = new Command('tenantlink')
    .description("Connect customers' Microsoft 365 tenants: connections, secrets, tokens and Microsoft Graph.")
    .option('--json', 'print results and errors as JSON')
    .option(
      '--data <dir>',
      'data folder for the SQLite store and the key file (default: $TENANTLINK_DATA or ./.tenantlink)',
    )
    .option('--sandbox <state-file>', "use a running sandbox's cloud and trust its CA (its state file)")
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(LOG_LEVELS).default('warn'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run with --help for usage)');

  const connections = program.command('connections').description('add, list, show and remove connections');

  connections
    .command('add')
    .description('add a connection: one customer tenant through one app registration')
    .requiredOption('--name <name>', 'a name for the connection')
    .requiredOption('--tenant <tenant>', 'Directory (tenant) ID, or a verified domain such as contoso.onmicrosoft.com')
    .requiredOption('--client-id <id>', 'Application (client) ID of the app registration')
    .option('--client-secret-file <file>', 'read the client secret Value from this file')
    .option('--client-secret-stdin', 'read the client secret Value from standard input')
    .option('--certificate <file>', 'PEM certificate, with its private key in the same file or in --certificate-key')
    .option('--certificate-key <file>', 'PEM private key of the certificate')
    .option('--features <list>', `comma-separated features: ${FEATURES.join(', ')}`)
    .option('--cloud <cloud>', 'global, usgov, usgov-dod or china (default global; --sandbox sets its own)')
    .option('--authority-host <url>', 'a custom cloud: its identity platform host (with --graph-endpoint)')
    .option('--graph-endpoint <url>', 'a custom cloud: its Microsoft Graph endpoint (with --authority-host)')
    .option('--multi-tenant', "the vendor's multi-tenant app, consented into this customer tenant")
    .action(
      withContext(async (ctx, opts: Record<string, string | boolean | undefined>) => {
        const credential = await readCredential(opts, io.stdin);
        const connection = await ctx.service.add({
          name: String(opts.name),
          tenant: String(opts.tenant),
          clientId: String(opts.clientId),
          cloud: chooseCloud(opts, ctx.sandbox),
          features: opts.features
            ? String(opts.features)
                .split(',')
                .map((f) => f.trim())
            : [],
          multiTenant: opts.multiTenant === true,
          credential,
        } as Parameters<ConnectionService['add']>[0]);
        print(ctx.output, { connection }, () => [
          `Added connection '${connection.name}' (${connection.id}), ${connection.authMode} for tenant ${connection.tenant}.`,
          ...(connection.certificateThumbprint
            ? [`Certificate thumbprint: ${connection.certificateThumbprint} (compare with Certificates & secrets).`]
            : []),
          `Check it with: tenantlink token ${connection.name}`,
        ]);
      }),
    );

  connections
    .command('list')
    .description('list connections')
    .action(
      withContext(async (ctx) => {
        const list = await ctx.service.list();
        print(ctx.output, { connections: list }, () =>
          list.length === 0
            ? ['No connections yet. Add one with: tenantlink connections add --help']
            : list.map((c) => `${c.name}\t${c.authMode}\t${c.tenant}\t${c.clientId}\t${c.features.join(',') || '-'}`),
        );
      }),
    );

  connections
    .command('show <connection>')
    .description('show a connection (never its secrets)')
    .action(
      withContext(async (ctx, idOrName: string) => {
        const c = await ctx.service.show(idOrName);
        print(ctx.output, { connection: c }, () => [
          `Name:        ${c.name}`,
          `ID:          ${c.id}`,
          `Tenant:      ${c.tenant}`,
          `Client ID:   ${c.clientId}`,
          `Auth mode:   ${c.authMode}`,
          `Cloud:       ${typeof c.cloud === 'string' ? c.cloud : `${c.cloud.authorityHost} / ${c.cloud.graphEndpoint}`}`,
          `Features:    ${c.features.join(', ') || '-'}`,
          ...(c.certificateThumbprint ? [`Thumbprint:  ${c.certificateThumbprint}`] : []),
          `Secrets:     ${c.secrets.map((s) => `${s.kind} (key ${s.keyId})`).join(', ') || '-'}`,
          `Created:     ${c.createdAt}`,
        ]);
      }),
    );

  connections
    .command('remove <connection>')
    .description('remove a connection and its secrets')
    .action(
      withContext(async (ctx, idOrName: string) => {
        const removed = await ctx.service.remove(idOrName);
        print(ctx.output, { removed }, () => [`Removed connection '${removed.name}' and its secrets.`]);
      }),
    );

  program
    .command('token <connection>')
    .description('get an access token for a connection and print what it grants (never the token)')
    .option('--force-refresh', 'ask the identity platform for a new token instead of using the cache')
    .action(
      withContext(async (ctx, idOrName: string, opts: { forceRefresh?: boolean }) => {
        const provider = await ctx.service.tokenProvider(idOrName);
        const token = await provider.getToken({ forceRefresh: opts.forceRefresh === true });
        const { claims: _claims, ...described } = describeAccessToken(token.token);
        const result = { connection: idOrName, ...described, expiresOn: token.expiresOn.toISOString() };
        print(ctx.output, result, () => [
          `Token for '${idOrName}': ${described.kind}, tenant ${described.tenantId}, app ${described.appId}.`,
          `Expires: ${result.expiresOn}`,
          `Permissions: ${described.permissions.join(', ') || '(none granted)'}`,
        ]);
      }),
    );

  program
    .command('guide')
    .description('print the steps an administrator follows to register the app for these features')
    .requiredOption('--features <list>', `comma-separated features: ${FEATURES.join(', ')}`)
    .addOption(
      new Option('--mode <mode>', 'how tenantlink will connect')
        .choices(['application', 'delegated', 'multi-tenant'])
        .default('application'),
    )
    .option('--redirect-uri <url>', 'where sign-in or admin consent returns to (delegated web sign-in, multi-tenant)')
    .option('--app-name <name>', 'the name of the app registration', 'tenantlink connector')
    .addOption(
      new Option('--format <format>', 'output format').choices(['markdown', 'html', 'json']).default('markdown'),
    )
    .action(
      (
        opts: { features: string; mode: ConnectionMode; redirectUri?: string; appName: string; format: GuideFormat },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const guide = buildSetupGuide({
          features: opts.features
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean) as Feature[],
          mode: opts.mode,
          appName: opts.appName,
          ...(opts.redirectUri ? { redirectUri: opts.redirectUri } : {}),
          ...(globals.sandbox ? { cloud: sandboxCloud(globals.sandbox).cloud } : {}),
        });
        io.out(renderGuide(guide, globals.json ? 'json' : opts.format).trimEnd());
      },
    );

  program
    .command('doctor [connection]')
    .description("check a connection's setup in the tenant and name every mistake with its fix")
    .option('--tenant <tenant>', 'Directory (tenant) ID or verified domain (instead of a stored connection)')
    .option('--client-id <id>', 'Application (client) ID')
    .option('--client-secret-file <file>', 'read the client secret Value from this file')
    .option('--client-secret-stdin', 'read the client secret Value from standard input')
    .option('--certificate <file>', 'PEM certificate, with its private key in the same file or in --certificate-key')
    .option('--certificate-key <file>', 'PEM private key of the certificate')
    .option('--features <list>', `comma-separated features to check: ${FEATURES.join(', ')}`)
    .option('--test-user <upn>', 'a licensed user whose mailbox, calendar and presence the checks read')
    .action(
      withContext(async (ctx, idOrName: string | undefined, opts: Record<string, string | boolean | undefined>) => {
        const features = opts.features
          ? (String(opts.features)
              .split(',')
              .map((f) => f.trim())
              .filter(Boolean) as Feature[])
          : undefined;
        const unknown = (features ?? []).filter((f) => !FEATURES.includes(f));
        if (unknown.length > 0)
          throw new UsageError(`Unknown feature ${unknown.join(', ')}: use ${FEATURES.join(', ')}.`);
        let input: DoctorInput;
        if (idOrName) {
          if (opts.tenant || opts.clientId)
            throw new UsageError('Give either a connection or --tenant with --client-id, not both.');
          const stored = await ctx.service.applicationCredentials(idOrName);
          input = { ...stored, features: features ?? stored.features };
        } else {
          if (!opts.tenant || !opts.clientId)
            throw new UsageError('Give a connection, or --tenant and --client-id with a credential.');
          validateConnectionInput({ name: 'doctor', tenant: opts.tenant, clientId: opts.clientId, authMode: 'secret' });
          input = {
            cloud: ctx.sandbox ?? cloudEndpoints('global'),
            tenant: String(opts.tenant),
            clientId: String(opts.clientId),
            credential: (await readCredential(opts, io.stdin)) as DoctorInput['credential'],
            features: features ?? [],
          };
        }
        if (input.features.length === 0)
          throw new UsageError(`Name the features to check with --features (${FEATURES.join(', ')}).`);
        const report = await runDoctor({
          ...input,
          ...(opts.testUser ? { testUser: String(opts.testUser) } : {}),
        });
        print(ctx.output, report, () => [
          ...report.checks.map((c) => `${c.status === 'pass' ? '✔' : c.status === 'fail' ? '✘' : '–'} ${c.name}`),
          ...report.findings.flatMap((f) => [
            '',
            `${f.severity === 'error' ? '✘' : f.severity === 'warning' ? '!' : 'i'} ${f.code}${f.feature ? ` (${f.feature})` : ''}: ${f.message}`,
            `  Fix: ${f.fix}`,
          ]),
          '',
          report.ok
            ? 'No errors found.'
            : `${report.findings.filter((f) => f.severity === 'error').length} error(s) found.`,
        ]);
        if (!report.ok) exitCode = EXIT.failed;
      }),
    );

  const vault = program.command('vault').description('the encryption of stored secrets');
  vault
    .command('rotate')
    .description('make a new master key and re-encrypt every stored secret under it')
    .action(
      withContext(async (ctx) => {
        const report = await ctx.service.rotateVault();
        print(ctx.output, report, () => [
          `New master key ${report.primaryKeyId} (was ${report.previousPrimaryKeyId}).`,
          `Re-encrypted ${report.reencrypted} of ${report.visited} secrets.`,
          ...report.failed.map((f) => `Could not decrypt ${f.kind} of connection ${f.connectionId}: ${f.code}`),
        ]);
        if (report.failed.length > 0) exitCode = EXIT.failed;
      }),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      if (err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    return printError(output, scrubbed(err));
  }
}

async function readCredential(
  opts: Record<string, string | boolean | undefined>,
  stdin: NodeJS.ReadableStream,
): Promise<ConnectionCredential> {
  const given = [opts.clientSecretFile, opts.clientSecretStdin, opts.certificate].filter(Boolean).length;
  if (given !== 1)
    throw new UsageError(
      'Give exactly one credential: --client-secret-file F, --client-secret-stdin or --certificate F. ' +
        '(Secrets are never taken as command-line values, which end up in shell history and process lists.)',
    );
  if (opts.certificateKey && !opts.certificate) throw new UsageError('--certificate-key needs --certificate.');
  if (opts.clientSecretFile) return { clientSecret: readSecretFile(String(opts.clientSecretFile)) };
  if (opts.clientSecretStdin) return { clientSecret: await readSecretStdin(stdin) };
  const certificatePem = readSecretFile(String(opts.certificate));
  return {
    certificate: {
      certificatePem,
      ...(opts.certificateKey ? { privateKeyPem: readSecretFile(String(opts.certificateKey)) } : {}),
    },
  };
}

function chooseCloud(opts: Record<string, string | boolean | undefined>, sandbox: CloudEndpoints | undefined): Cloud {
  const custom = opts.authorityHost || opts.graphEndpoint;
  if ([opts.cloud, custom, sandbox].filter(Boolean).length > 1)
    throw new UsageError('Choose one cloud: --cloud, --authority-host with --graph-endpoint, or --sandbox.');
  if (sandbox) return { authorityHost: sandbox.authorityHost, graphEndpoint: sandbox.graphEndpoint };
  if (custom) {
    if (!opts.authorityHost || !opts.graphEndpoint)
      throw new UsageError('A custom cloud needs both --authority-host and --graph-endpoint.');
    return { authorityHost: String(opts.authorityHost), graphEndpoint: String(opts.graphEndpoint) };
  }
  return (opts.cloud as Cloud | undefined) ?? 'global';
}

/** An unexpected error's message may quote anything; it goes through the same scrubbing as log lines. */
function scrubbed(err: unknown): unknown {
  if (err instanceof Error && !(err instanceof UsageError) && err.name !== 'TenantlinkError') {
    return new Error(scrubLogLine(err.message));
  }
  return err;
}
