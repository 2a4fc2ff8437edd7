import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { type LogLevel, scrubLogLine } from '../logging/index.js';
import { registerApiKeyCommands } from './commands/apikeys.js';
import { registerConnectionCommands } from './commands/connections.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerGuideCommand } from './commands/guide.js';
import { registerIntegrationCommands } from './commands/integrations.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSyncCommands } from './commands/sync.js';
import { registerTokenCommand } from './commands/token.js';
import { registerVaultCommands } from './commands/vault.js';
import { registerWebhookCommands } from './commands/webhooks.js';
import { registerWorkerCommand } from './commands/worker.js';
import { type Cli, type CliIo, openContext, type WithContext } from './context.js';
import { commandHint } from './hints.js';
import { EXIT, type Output, printError, UsageError } from './io.js';

export type { CliIo } from './context.js';

const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly LogLevel[];

/** Runs the tenantlink CLI and resolves to its exit code (0 done, 1 failed, 2 used wrongly). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const output: Output = { json: argv.includes('--json'), out: io.out, err: io.err };

  const program = new Command('tenantlink')
    .description("Connect customers' Microsoft 365 tenants: connections, secrets, tokens and Microsoft Graph.")
    .option('--json', 'print results and errors as JSON')
    .option(
      '--data <dir>',
      'data folder for the SQLite store and the key file (default: $TENANTLINK_DATA or ./.tenantlink)',
    )
    .option(
      '--sandbox <state-file>',
      "use a running sandbox's cloud and trust its CA (its state file); without it, the demo sandbox of a " +
        '`tenantlink serve` on the same data folder is trusted',
    )
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(LOG_LEVELS).default('warn' as const))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run with --help for usage)');

  const withContext: WithContext =
    (action, options) =>
    async (...args) => {
      const globals = program.opts();
      output.json = globals.json === true;
      const ctx = await openContext(globals, io, output, options);
      try {
        await action(ctx, ...args);
      } finally {
        await ctx.close();
      }
    };
  const cli: Cli = {
    program,
    io,
    output,
    globals: () => program.opts(),
    withContext,
    failed: () => {
      exitCode = EXIT.failed;
    },
    hint: commandHint(io.env),
  };
  for (const register of [
    registerConnectionCommands,
    registerTokenCommand,
    registerGuideCommand,
    registerDoctorCommand,
    registerServeCommand,
    registerWorkerCommand,
    registerApiKeyCommands,
    registerIntegrationCommands,
    registerVaultCommands,
    registerSyncCommands,
    registerWebhookCommands,
  ])
    register(cli);

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

/** An unexpected error's message may quote anything; it goes through the same scrubbing as log lines. */
function scrubbed(err: unknown): unknown {
  if (err instanceof Error && !(err instanceof UsageError) && err.name !== 'TenantlinkError') {
    return new Error(scrubLogLine(err.message));
  }
  return err;
}
