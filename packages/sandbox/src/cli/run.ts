import { Command, CommanderError } from '@commander-js/extra-typings';
import { appsCommand } from './apps-command.js';
import type { CliIo } from './io.js';
import { startCommand } from './start-command.js';

/**
 * Runs `tenantlink-sandbox` with these arguments and returns the exit code: 0 done, 1 failed (with a message that
 * says what happened and the fix). Commander's own messages (bad options, help) go to the same output.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = new Command('tenantlink-sandbox')
    .description('A local Microsoft 365 tenant: the Microsoft identity platform and Microsoft Graph, over HTTPS.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
    });
  const start = startCommand(io);
  const apps = appsCommand(io);
  // Commands made on their own inherit the settings above only when told to.
  for (const command of [start, apps, ...apps.commands]) command.copyInheritedSettings(program);
  program.addCommand(start).addCommand(apps);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    // Commander has already printed its message (a bad option, or the help it was asked for).
    if (err instanceof CommanderError) return err.exitCode;
    io.err(`tenantlink-sandbox: ${(err as Error).message}`);
    return 1;
  }
}
