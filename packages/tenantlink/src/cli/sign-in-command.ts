import type { Command } from 'commander';
import type { Cloud, CloudEndpoints } from '../auth/clouds.js';
import { DeviceCodeFlow } from '../auth/device-code-flow.js';
import { delegatedScopes } from '../connect/auth-code.js';
import { saveConnection } from '../connect/save-connection.js';
import { signInAgain } from '../connect/sign-in-again.js';
import { type Connection, FEATURES, type Feature, validateConnectionInput } from '../connections/model.js';
import type { ConnectionService } from '../connections/service.js';
import { runDoctor } from '../doctor/doctor.js';
import { TenantlinkError } from '../errors.js';
import { type Output, print, UsageError } from './io.js';

export interface SignInCliContext {
  service: ConnectionService;
  output: Output;
  sandbox: CloudEndpoints | undefined;
}

type WithContext = <A extends unknown[]>(
  action: (ctx: SignInCliContext, ...args: A) => Promise<void>,
) => (...args: A) => Promise<void>;

export interface SignInCommandOptions {
  withContext: WithContext;
  /** Parses `--features a,b` (undefined when absent). */
  parseFeatures: (list: string | boolean | undefined) => Feature[] | undefined;
  /** The cloud from --cloud, --authority-host with --graph-endpoint, or --sandbox. */
  chooseCloud: (opts: Record<string, string | boolean | undefined>, sandbox: CloudEndpoints | undefined) => Cloud;
  /** Set when the doctor found errors after signing in. */
  failed: () => void;
}

/** What to sign in to: a stored delegated connection again, or a new one. */
interface SignInTarget {
  existing: Connection | undefined;
  name: string;
  tenant: string;
  clientId: string;
  cloud: Cloud;
  features: Feature[];
}

/**
 * `tenantlink connections sign-in`: a delegated connection made, or signed in again, from a terminal with the device
 * code flow. Microsoft's prompt goes to stderr, so `--json` output stays clean; Ctrl-C cancels the wait.
 */
export function registerSignInCommand(
  connections: Command,
  { withContext, parseFeatures, chooseCloud, failed }: SignInCommandOptions,
): void {
  connections
    .command('sign-in [connection]')
    .description(
      'sign a user in with a device code (on any device) and store the delegated connection; with a stored ' +
        'connection, sign in again (after REFRESH_TOKEN_EXPIRED or a revoked session)',
    )
    .option('--name <name>', 'name of the new connection')
    .option('--tenant <tenant>', 'Directory (tenant) ID or verified domain')
    .option('--client-id <id>', 'Application (client) ID of an app with "Allow public client flows" on')
    .option('--features <list>', `comma-separated delegated features: ${FEATURES.join(', ')}`)
    .option('--cloud <cloud>', 'global, usgov, usgov-dod or china (default global; --sandbox sets its own)')
    .option('--authority-host <url>', 'a custom cloud: its identity platform host (with --graph-endpoint)')
    .option('--graph-endpoint <url>', 'a custom cloud: its Microsoft Graph endpoint (with --authority-host)')
    .action(
      withContext(async (ctx, idOrName: string | undefined, opts: Record<string, string | boolean | undefined>) => {
        const target = await resolveTarget(ctx, idOrName, opts, parseFeatures, chooseCloud);
        const flow = new DeviceCodeFlow({
          cloud: ctx.service.cloudFor({ cloud: target.cloud }),
          tenant: target.tenant,
          clientId: target.clientId,
          scopes: delegatedScopes(target.features),
        });
        const cancel = () => flow.cancel();
        process.once('SIGINT', cancel);
        let result: Awaited<ReturnType<DeviceCodeFlow['start']>>;
        try {
          result = await flow.start((prompt) => {
            ctx.output.err(prompt.message);
            ctx.output.err(
              `Waiting for the sign-in (the code expires in ${Math.round(prompt.expiresIn / 60)} minutes)…`,
            );
          });
        } finally {
          process.removeListener('SIGINT', cancel);
        }
        if (!result.refreshToken)
          throw new TenantlinkError(
            'REFRESH_TOKEN_MISSING',
            'The sign-in gave no refresh token: the app must be allowed offline_access.',
          );
        if (!result.account) throw new TenantlinkError('TOKEN_REQUEST_FAILED', 'The sign-in named no account.');
        const { tenantId, username, homeAccountId } = result.account;
        const user = { id: homeAccountId.split('.')[0] ?? homeAccountId, username };
        const connection = target.existing
          ? await signInAgain(ctx.service, target.existing, result.refreshToken, tenantId, user)
          : await saveConnection(ctx.service, {
              tenantId: tenantId.toLowerCase(),
              clientId: target.clientId,
              cloud: target.cloud,
              features: target.features,
              authMode: 'delegated',
              credential: { refreshToken: result.refreshToken },
              name: target.name,
              exactName: true,
              user,
            });
        const report = await runDoctor(await ctx.service.doctorInput(connection.id));
        if (!report.ok) failed();
        print(ctx.output, { connection, test: report }, () => [
          `Signed in as ${username}; connection '${connection.name}' ${target.existing ? 'has a new refresh token' : 'added'}.`,
          report.ok
            ? 'Its test passed.'
            : `Its test found errors: run tenantlink doctor ${connection.name} for each with its fix.`,
        ]);
      }),
    );
}

async function resolveTarget(
  ctx: SignInCliContext,
  idOrName: string | undefined,
  opts: Record<string, string | boolean | undefined>,
  parseFeatures: SignInCommandOptions['parseFeatures'],
  chooseCloud: SignInCommandOptions['chooseCloud'],
): Promise<SignInTarget> {
  if (idOrName) {
    if (opts.name || opts.tenant || opts.clientId || opts.features)
      throw new UsageError('Give a stored connection, or --name, --tenant, --client-id and --features, not both.');
    const existing = await ctx.service.show(idOrName);
    if (existing.authMode !== 'delegated')
      throw new UsageError(
        `Connection '${existing.name}' authenticates as the app (${existing.authMode}); only a delegated connection signs in.`,
      );
    return {
      existing,
      name: existing.name,
      tenant: existing.tenant,
      clientId: existing.clientId,
      cloud: existing.cloud as Cloud,
      features: existing.features,
    };
  }
  if (!opts.name || !opts.tenant || !opts.clientId || !opts.features)
    throw new UsageError('A new connection needs --name, --tenant, --client-id and --features.');
  const valid = validateConnectionInput({
    name: String(opts.name),
    tenant: String(opts.tenant),
    clientId: String(opts.clientId),
    authMode: 'delegated',
    features: parseFeatures(opts.features) ?? [],
    cloud: chooseCloud(opts, ctx.sandbox),
  });
  return { existing: undefined, ...valid };
}
