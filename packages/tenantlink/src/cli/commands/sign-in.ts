import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Cloud } from '../../auth/clouds.js';
import { DeviceCodeFlow } from '../../auth/device-code-flow.js';
import { delegatedScopes } from '../../connect/auth-code.js';
import { saveConnection } from '../../connect/save-connection.js';
import { signInAgain } from '../../connect/sign-in-again.js';
import { type Connection, type Feature, validateConnectionInput } from '../../connections/model.js';
import { runDoctor } from '../../doctor/doctor.js';
import { TenantlinkError } from '../../errors.js';
import type { Cli, CliContext } from '../context.js';
import { print, UsageError } from '../io.js';
import { addCloudOptions, type CloudOptions, chooseCloud } from '../options/cloud.js';
import { featuresOption } from '../options/features.js';
import { count } from '../plural.js';

interface SignInOptions extends CloudOptions {
  name?: string;
  tenant?: string;
  clientId?: string;
  features?: Feature[];
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
export function registerSignInCommand({ withContext, failed, hint }: Cli, connections: CommandUnknownOpts): void {
  const signIn = connections
    .command('sign-in [connection]')
    .description(
      'sign a user in with a device code (on any device) and store the delegated connection; with a stored ' +
        'connection, sign in again (after REFRESH_TOKEN_EXPIRED or a revoked session)',
    )
    .option('--name <name>', 'name of the new connection')
    .option('--tenant <tenant>', 'Directory (tenant) ID or verified domain')
    .option('--client-id <id>', 'Application (client) ID of an app with "Allow public client flows" on')
    .addOption(featuresOption('delegated features'));
  addCloudOptions(signIn).action(
    withContext(async (ctx, idOrName, opts) => {
      const target = await resolveTarget(ctx, idOrName, opts);
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
            `Waiting for the sign-in (the code expires in ${count(Math.round(prompt.expiresIn / 60), 'minute')})…`,
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
          : `Its test found errors: run ${hint(`doctor ${connection.name}`)} for each with its fix.`,
      ]);
    }),
  );
}

async function resolveTarget(
  ctx: CliContext,
  idOrName: string | undefined,
  opts: SignInOptions,
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
    name: opts.name,
    tenant: opts.tenant,
    clientId: opts.clientId,
    authMode: 'delegated',
    features: opts.features,
    cloud: chooseCloud(opts, ctx.sandbox),
  });
  return { existing: undefined, ...valid };
}
