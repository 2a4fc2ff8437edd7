import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { describeAccessToken } from '../auth/claims.js';
import { type Cloud, type CloudEndpoints, cloudEndpoints, customCloudsFromEnv, sandboxCloud } from '../auth/clouds.js';
import type { ConnectionMode } from '../catalogue/permissions.js';
import { IntegrationService } from '../connect/integrations.js';
import { loadKeyring } from '../connections/keyring.js';
import { FEATURES, type Feature, validateConnectionInput } from '../connections/model.js';
import { type ConnectionCredential, ConnectionService } from '../connections/service.js';
import { Vault } from '../connections/vault.js';
import { type DoctorInput, runDoctor } from '../doctor/doctor.js';
import { type GuideFormat, renderGuide } from '../guide/render.js';
import { buildSetupGuide } from '../guide/setup-guide.js';
import { createLogger, type LogLevel, scrubLogLine } from '../logging/index.js';
import { allowPrivateTargetsFromEnv, OutboundPolicy } from '../outbound/outbound-policy.js';
import {
  API_KEY_NAME,
  API_KEY_NAME_RULE,
  API_KEY_SCOPE_MEANINGS,
  API_KEY_SCOPES,
  type ApiKeyScope,
  createApiKey,
  revokeApiKey,
} from '../server/auth/api-keys.js';
import { apiKeysRepository } from '../store/api-keys-repository.js';
import { openStore, type Store } from '../store/database.js';
import { EXIT, type Output, print, printError, readSecretFile, readSecretStdin, UsageError } from './io.js';
import { serve } from './serve.js';
import { registerSignInCommand } from './sign-in-command.js';
import { registerSyncCommands } from './sync-commands.js';
import { registerWebhookCommands } from './webhook-commands.js';

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
  store: Store;
  sandbox: CloudEndpoints | undefined;
  output: Output;
  outbound: OutboundPolicy;
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
        customClouds: [...(sandbox ? [sandbox] : []), ...customCloudsFromEnv(io.env.TENANTLINK_CUSTOM_CLOUDS)],
      });
      const outbound = new OutboundPolicy({ allowPrivateTargets: allowPrivateTargetsFromEnv(io.env) });
      try {
        await action({ service, store, sandbox, output, outbound }, ...args);
      } finally {
        await outbound.close();
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
    .option(
      '--secret-expires <date>',
      'when the client secret expires (Certificates & secrets shows it); the doctor warns 30 days ahead',
    )
    .option('--test-user <upn>', 'a licensed user whose mailbox, calendar and presence the doctor reads')
    .option('--service-account <upn>', 'the user whose OneDrive the files feature works in')
    .action(
      withContext(async (ctx, opts: Record<string, string | boolean | undefined>) => {
        const credential = await readCredential(opts, io.stdin);
        const connection = await ctx.service.add({
          name: String(opts.name),
          tenant: String(opts.tenant),
          clientId: String(opts.clientId),
          cloud: chooseCloud(opts, ctx.sandbox),
          features: parseFeatures(opts.features) ?? [],
          settings: settingsFrom(opts),
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
          ...(c.settings.secretExpiresAt ? [`Secret ends: ${String(c.settings.secretExpiresAt).slice(0, 10)}`] : []),
          ...(c.settings.testUser ? [`Test user:   ${String(c.settings.testUser)}`] : []),
          ...(c.settings.serviceAccount ? [`Service acc: ${String(c.settings.serviceAccount)}`] : []),
          `Secrets:     ${c.secrets.map((s) => `${s.kind} (key ${s.keyId})`).join(', ') || '-'}`,
          `Created:     ${c.createdAt}`,
        ]);
      }),
    );

  connections
    .command('set-credential <connection>')
    .description("replace a connection's client secret or certificate (after rotating it in the portal)")
    .option('--client-secret-file <file>', 'read the new client secret Value from this file')
    .option('--client-secret-stdin', 'read the new client secret Value from standard input')
    .option('--certificate <file>', 'PEM certificate, with its private key in the same file or in --certificate-key')
    .option('--certificate-key <file>', 'PEM private key of the certificate')
    .option('--secret-expires <date>', 'when the new client secret expires')
    .action(
      withContext(async (ctx, idOrName: string, opts: Record<string, string | boolean | undefined>) => {
        const credential = await readCredential(opts, io.stdin);
        const connection = await ctx.service.setCredential(idOrName, credential, {
          ...(opts.secretExpires ? { secretExpiresAt: String(opts.secretExpires) } : {}),
        });
        print(ctx.output, { connection }, () => [
          `Replaced the credential of '${connection.name}'.`,
          `Check it with: tenantlink doctor ${connection.name}`,
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
          features: parseFeatures(opts.features) ?? [],
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
    .option('--service-account <upn>', 'the user whose OneDrive the files check writes a test file to (and deletes)')
    .action(
      withContext(async (ctx, idOrName: string | undefined, opts: Record<string, string | boolean | undefined>) => {
        const features = parseFeatures(opts.features);
        let input: DoctorInput;
        if (idOrName) {
          if (opts.tenant || opts.clientId)
            throw new UsageError('Give either a connection or --tenant with --client-id, not both.');
          const stored = await ctx.service.doctorInput(idOrName);
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
          ...(opts.serviceAccount ? { serviceAccount: String(opts.serviceAccount) } : {}),
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

  program
    .command('serve')
    .description('start the HTTP API and the console (with a demo sandbox tenant when no connection exists)')
    .option('--port <port>', 'port to listen on', '3000')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--no-demo', 'never start the demo sandbox tenant')
    .option('--secure-cookies', 'mark cookies Secure even over HTTP (behind a TLS-terminating proxy)')
    .option(
      '--public-url <url>',
      'the URL browsers and Microsoft reach the server at; connect links and the redirect URI use it (default: the listen address)',
    )
    .option(
      '--feed-retention-days <days>',
      'days the change feed keeps deletions, 0 for ever (default: $TENANTLINK_FEED_RETENTION_DAYS or 30)',
    )
    .option(
      '--allow-private-targets',
      'let webhooks reach loopback and private networks (default: $TENANTLINK_ALLOW_PRIVATE_TARGETS; demo mode does)',
    )
    .action(
      async (
        opts: {
          port: string;
          host: string;
          demo: boolean;
          secureCookies?: boolean;
          publicUrl?: string;
          feedRetentionDays?: string;
          allowPrivateTargets?: boolean;
        },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        output.json = globals.json === true;
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535)
          throw new UsageError(`--port must be 0-65535, not ${opts.port}.`);
        exitCode = await serve({
          dataDir: resolve(globals.data ?? io.env.TENANTLINK_DATA ?? '.tenantlink'),
          port,
          host: opts.host,
          demo: opts.demo,
          secureCookies: opts.secureCookies === true,
          allowPrivateTargets: opts.allowPrivateTargets === true || allowPrivateTargetsFromEnv(io.env),
          ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
          feedRetentionDays: feedRetentionDays(opts.feedRetentionDays ?? io.env.TENANTLINK_FEED_RETENTION_DAYS) ?? 30,
          logLevel: globals.logLevel ?? 'info',
          ...(globals.sandbox ? { sandbox: sandboxCloud(globals.sandbox).cloud } : {}),
          io,
        });
      },
    );

  const apikeys = program.command('apikeys').description('API keys for the HTTP API (stored hashed)');
  apikeys
    .command('create')
    .description('create an API key and print it once')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(
      new Option(
        '--scope <scope>',
        `what the key may do: ${API_KEY_SCOPES.map((s) => `${s} (${API_KEY_SCOPE_MEANINGS[s]})`).join('; ')}`,
      )
        .choices(API_KEY_SCOPES)
        .default('admin'),
    )
    .action(
      withContext(async (ctx, opts: { name: string; scope: ApiKeyScope }) => {
        const name = opts.name.trim();
        if (!API_KEY_NAME.test(name)) throw new UsageError(`--name ${API_KEY_NAME_RULE}.`);
        const { key, apiKey } = await createApiKey(apiKeysRepository(ctx.store), name, opts.scope);
        print(ctx.output, { key, id: apiKey.id, name: apiKey.name, scope: apiKey.scope }, () => [
          key,
          `API key '${apiKey.name}' (scope ${apiKey.scope}: ${API_KEY_SCOPE_MEANINGS[apiKey.scope]}) created. It is shown only now: send it as "Authorization: Bearer <key>".`,
        ]);
      }),
    );
  apikeys
    .command('list')
    .description('list API keys with their scopes (never the keys themselves)')
    .action(
      withContext(async (ctx) => {
        const keys = await apiKeysRepository(ctx.store).list();
        print(ctx.output, { apiKeys: keys }, () =>
          keys.length === 0
            ? ['No API keys yet. Create one with: tenantlink apikeys create --name <name>']
            : keys.map(
                (k) =>
                  `${k.name}\t${k.scope}\t${k.prefix}…\tcreated ${k.createdAt}\tlast used ${k.lastUsedAt ?? 'never'}`,
              ),
        );
      }),
    );
  apikeys
    .command('revoke <name>')
    .description('delete an API key (by name or id); requests with it fail at once')
    .action(
      withContext(async (ctx, name: string) => {
        await revokeApiKey(apiKeysRepository(ctx.store), name);
        print(ctx.output, { revoked: name }, () => [`Revoked API key '${name}'.`]);
      }),
    );

  const integrations = program
    .command('integrations')
    .description('your own app registrations that customers connect through (admin consent or sign-in)');
  integrations
    .command('add')
    .description('add an integration: the app registration, its client secret, and where customers return to')
    .requiredOption('--name <name>', 'a name for the integration (connect links name it)')
    .requiredOption('--client-id <id>', 'Application (client) ID of the app registration')
    .option('--client-secret-file <file>', 'read the client secret Value from this file')
    .option('--client-secret-stdin', 'read the client secret Value from standard input')
    .requiredOption('--features <list>', `comma-separated features: ${FEATURES.join(', ')}`)
    .requiredOption('--return-url <url>', "where the customer's browser goes when connecting ends (your product)")
    .option('--secret-expires <date>', "the secret's expiry (YYYY-MM-DD): connections' tests warn 30 days ahead")
    .addOption(
      new Option('--mode <mode>', 'multi-tenant: admin consent; delegated: a user signs in')
        .choices(['multi-tenant', 'delegated'])
        .default('multi-tenant'),
    )
    .option('--cloud <cloud>', 'global, usgov, usgov-dod or china (default global; --sandbox sets its own)')
    .option('--authority-host <url>', 'a custom cloud: its identity platform host (with --graph-endpoint)')
    .option('--graph-endpoint <url>', 'a custom cloud: its Microsoft Graph endpoint (with --authority-host)')
    .action(
      withContext(async (ctx, opts: Record<string, string | boolean | undefined>) => {
        if ([opts.clientSecretFile, opts.clientSecretStdin].filter(Boolean).length !== 1)
          throw new UsageError(
            'Give the client secret with exactly one of --client-secret-file F or --client-secret-stdin. ' +
              '(Secrets are never taken as command-line values, which end up in shell history and process lists.)',
          );
        const clientSecret = opts.clientSecretFile
          ? readSecretFile(String(opts.clientSecretFile))
          : await readSecretStdin(io.stdin);
        const integration = await new IntegrationService(ctx.store, ctx.service.vault).add({
          name: String(opts.name),
          clientId: String(opts.clientId),
          authMode: opts.mode as 'multi-tenant' | 'delegated',
          cloud: chooseCloud(opts, ctx.sandbox),
          features: parseFeatures(opts.features) ?? [],
          returnUrl: String(opts.returnUrl),
          clientSecret,
          ...(opts.secretExpires ? { secretExpiresAt: String(opts.secretExpires) } : {}),
        });
        print(ctx.output, { integration }, () => [
          `Added integration '${integration.name}' (${integration.id}), ${integration.authMode}, for ${integration.features.join(', ')}.`,
          'In its app registration, add this Web redirect URI (Authentication > Add a platform > Web):',
          '  <public URL of tenantlink serve>/connect/microsoft/callback',
          `Then make connect links with POST /api/v1/connect-sessions {"integration": "${integration.name}"}.`,
        ]);
      }),
    );
  integrations
    .command('list')
    .description('list integrations (never their secrets)')
    .action(
      withContext(async (ctx) => {
        const list = await new IntegrationService(ctx.store, ctx.service.vault).list();
        print(ctx.output, { integrations: list }, () =>
          list.length === 0
            ? ['No integrations yet. Add one with: tenantlink integrations add --help']
            : list.map(
                (i) =>
                  `${i.name}\t${i.authMode}\t${i.clientId}\t${i.features.join(',')}\t${i.returnUrl}` +
                  (i.secretExpiresAt ? `\tsecret ends ${i.secretExpiresAt.slice(0, 10)}` : ''),
              ),
        );
      }),
    );
  integrations
    .command('update <integration>')
    .description(
      'change an integration (by name or id): a new client secret is also written into every connection made through it',
    )
    .option('--client-secret-file <file>', 'read the new client secret Value from this file')
    .option('--client-secret-stdin', 'read the new client secret Value from standard input')
    .option('--features <list>', 'features for tenants connecting from now on (connections made keep theirs)')
    .option('--return-url <url>', "where the customer's browser goes when connecting ends")
    .option('--secret-expires <date>', "the (new) secret's expiry, YYYY-MM-DD; copied to the connections")
    .action(
      withContext(async (ctx, idOrName: string, opts: Record<string, string | boolean | undefined>) => {
        if (opts.clientSecretFile && opts.clientSecretStdin)
          throw new UsageError(
            'Give the new client secret with one of --client-secret-file and --client-secret-stdin.',
          );
        const clientSecret = opts.clientSecretFile
          ? readSecretFile(String(opts.clientSecretFile))
          : opts.clientSecretStdin
            ? await readSecretStdin(io.stdin)
            : undefined;
        const features = parseFeatures(opts.features);
        const returnUrl = opts.returnUrl === undefined ? undefined : String(opts.returnUrl);
        const secretExpiresAt = opts.secretExpires === undefined ? undefined : String(opts.secretExpires);
        if ([clientSecret, features, returnUrl, secretExpiresAt].every((v) => v === undefined))
          throw new UsageError(
            'Nothing to change: give --client-secret-file F, --client-secret-stdin, --features, --return-url or --secret-expires.',
          );
        const result = await new IntegrationService(ctx.store, ctx.service.vault, ctx.service).update(idOrName, {
          ...(clientSecret === undefined ? {} : { clientSecret }),
          ...(features === undefined ? {} : { features }),
          ...(returnUrl === undefined ? {} : { returnUrl }),
          ...(secretExpiresAt === undefined ? {} : { secretExpiresAt }),
        });
        print(ctx.output, result, () => [
          `Updated integration '${result.integration.name}'.`,
          ...(clientSecret === undefined && secretExpiresAt === undefined
            ? []
            : result.connectionsUpdated.length === 0
              ? ['No connection made through it holds a client secret.']
              : [
                  `${clientSecret === undefined ? "The secret's expiry is now recorded on" : 'The new client secret is now used by'} ${result.connectionsUpdated.length} connection(s): ${result.connectionsUpdated.join(', ')}.`,
                ]),
        ]);
      }),
    );
  integrations
    .command('remove <integration>')
    .description('remove an integration (by name or id) and its pending connect links; its connections stay')
    .action(
      withContext(async (ctx, idOrName: string) => {
        const removed = await new IntegrationService(ctx.store, ctx.service.vault).remove(idOrName);
        print(ctx.output, { removed }, () => [
          `Removed integration '${removed.name}'. Connections made through it stay; remove them with connections remove.`,
        ]);
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
          ...report.failed.map(
            (f) =>
              `Could not decrypt ${f.kind} of ${f.kind === 'integration_secret' ? 'integration' : f.kind === 'connect_flow_payload' ? 'connect flow' : f.kind.startsWith('webhook_') ? 'webhook' : 'connection'} ${f.connectionId}: ${f.code}`,
          ),
        ]);
        if (report.failed.length > 0) exitCode = EXIT.failed;
      }),
    );

  /** A command whose work failed (the doctor found errors, a test event was refused) exits 1. */
  const failed = () => {
    exitCode = EXIT.failed;
  };
  registerSignInCommand(connections, {
    withContext,
    parseFeatures,
    chooseCloud,
    failed,
  });
  registerSyncCommands(program, {
    withContext,
    feedRetentionDays: () => feedRetentionDays(io.env.TENANTLINK_FEED_RETENTION_DAYS),
  });
  registerWebhookCommands(program, {
    withContext,
    failed,
  });

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

/** `--features a,b`: every name checked, empty entries ignored; undefined when the option was not given. */
function parseFeatures(list: string | boolean | undefined): Feature[] | undefined {
  if (list === undefined || list === false) return undefined;
  const features = String(list)
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = features.filter((f) => !(FEATURES as readonly string[]).includes(f));
  if (unknown.length > 0) throw new UsageError(`Unknown feature ${unknown.join(', ')}: use ${FEATURES.join(', ')}.`);
  return features as Feature[];
}

/** The settings `connections add` and `set-credential` take from options. */
function settingsFrom(opts: Record<string, string | boolean | undefined>): Record<string, string> {
  const settings: Record<string, string> = {};
  if (opts.testUser) settings.testUser = String(opts.testUser);
  if (opts.serviceAccount) settings.serviceAccount = String(opts.serviceAccount);
  if (opts.secretExpires) settings.secretExpiresAt = String(opts.secretExpires);
  return settings;
}

/** `--feed-retention-days` or TENANTLINK_FEED_RETENTION_DAYS: whole days (0: for ever); undefined when not given. */
function feedRetentionDays(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d{1,5}$/.test(value.trim()))
    throw new UsageError(`The feed retention must be a whole number of days (0: for ever), not '${value}'.`);
  return Number(value.trim());
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
