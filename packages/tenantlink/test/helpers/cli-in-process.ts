import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/run.js';
import type { CliRun } from './cli-process.js';

/**
 * `tenantlink <args>` in this process, with exactly the environment given (none of the test run's), `stdin` written
 * and closed. What it printed comes back as the lines joined, as a terminal would show them.
 */
export async function runCliHere(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), stdin, env: options.env ?? {} });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
