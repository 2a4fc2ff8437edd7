import { cloudEndpoints } from '../../auth/clouds.js';
import { FEATURES, validateConnectionInput } from '../../connections/model.js';
import { type DoctorInput, type DoctorReport, runDoctor } from '../../doctor/doctor.js';
import type { Cli, CliContext } from '../context.js';
import { requireDemoSandbox } from '../demo-sandbox.js';
import { print, UsageError } from '../io.js';
import { addCredentialOptions, type CredentialOptions, readCredential } from '../options/credential.js';
import { featuresOption } from '../options/features.js';
import { addTestUserOptions, testUsersFrom } from '../options/test-users.js';
import { count } from '../plural.js';

interface ByHandOptions extends CredentialOptions {
  tenant?: string;
  clientId?: string;
}

/** `tenantlink doctor [<connection>]`: every setup mistake in the tenant, with its fix; exit 1 when errors are found. */
export function registerDoctorCommand({ program, io, withContext, failed, hint }: Cli): void {
  const doctor = program
    .command('doctor [connection]')
    .description("check a connection's setup in the tenant and name every mistake with its fix")
    .option('--tenant <tenant>', 'Directory (tenant) ID or verified domain (instead of a stored connection)')
    .option('--client-id <id>', 'Application (client) ID');
  addTestUserOptions(addCredentialOptions(doctor))
    .addOption(featuresOption('features to check'))
    .action(
      withContext(async (ctx, idOrName, opts) => {
        let input: DoctorInput;
        if (idOrName) {
          if (opts.tenant || opts.clientId)
            throw new UsageError('Give either a connection or --tenant with --client-id, not both.');
          await requireDemoSandbox(ctx.service, idOrName, ctx.sandbox ?? ctx.demoSandbox, hint);
          const stored = await ctx.service.doctorInput(idOrName);
          input = { ...stored, features: opts.features ?? stored.features };
        } else {
          input = { ...(await byHand(ctx, opts, io.stdin)), features: opts.features ?? [] };
        }
        if (input.features.length === 0)
          throw new UsageError(`Name the features to check with --features (${FEATURES.join(', ')}).`);
        const report = await runDoctor({ ...input, ...testUsersFrom(opts) });
        print(ctx.output, report, () => describeReport(report));
        if (!report.ok) failed();
      }),
    );
}

/** The app given by `--tenant`, `--client-id` and a credential, in the `--sandbox` cloud or the global one. */
async function byHand(
  ctx: CliContext,
  opts: ByHandOptions,
  stdin: NodeJS.ReadableStream,
): Promise<Omit<DoctorInput, 'features'>> {
  if (!opts.tenant || !opts.clientId)
    throw new UsageError('Give a connection, or --tenant and --client-id with a credential.');
  validateConnectionInput({ name: 'doctor', tenant: opts.tenant, clientId: opts.clientId, authMode: 'secret' });
  return {
    cloud: ctx.sandbox ?? cloudEndpoints('global'),
    tenant: opts.tenant,
    clientId: opts.clientId,
    credential: await readCredential(opts, stdin),
  };
}

function describeReport(report: DoctorReport): string[] {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  return [
    ...report.checks.map((c) => `${c.status === 'pass' ? '✔' : c.status === 'fail' ? '✘' : '–'} ${c.name}`),
    ...report.findings.flatMap((f) => [
      '',
      `${f.severity === 'error' ? '✘' : f.severity === 'warning' ? '!' : 'i'} ${f.code}${f.feature ? ` (${f.feature})` : ''}: ${f.message}`,
      `  Fix: ${f.fix}`,
    ]),
    '',
    report.ok ? 'No errors found.' : `${count(errors, 'error')} found.`,
  ];
}
