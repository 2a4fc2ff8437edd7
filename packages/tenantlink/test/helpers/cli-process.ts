import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Resolved here: the commands run in a temporary folder, where `tsx` alone would not resolve. */
const tsxLoader = import.meta.resolve('tsx');

/** The newest modification time of any file under `dir`. */
function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * How to start the CLI: the build when it is newer than every source file (`npm test` builds first; a process starts
 * in about half the time without compiling), else the sources through tsx, so a test run right after an edit never
 * runs stale code.
 */
export const cliCommand: readonly string[] = (() => {
  const built = join(packageDir, 'dist', 'cli', 'main.js');
  if (existsSync(built) && statSync(built).mtimeMs > newestIn(join(packageDir, 'src'))) return [built];
  return ['--import', tsxLoader, join(packageDir, 'src', 'cli', 'main.ts')];
})();

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  /** Resolves when it exits, with everything it printed. */
  done: Promise<CliRun>;
  /** Called with all of stderr so far, each time more arrives. */
  onStderr(listener: (stderr: string) => void): void;
  /** Called with all of stdout so far: now, and each time more arrives. */
  onStdout(listener: (stdout: string) => void): void;
  /** Sends a signal (SIGTERM: stop as Ctrl-C would). */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * `tenantlink <args>` as its own process, on the data folder `<work>/data` and the SQLite store (whatever the test
 * run's environment says), with `stdin` written and closed.
 */
export function startCliProcess(args: string[], options: { work: string; stdin?: string }): CliProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, TENANTLINK_DATA: join(options.work, 'data') };
  delete env.TENANTLINK_DATABASE_URL;
  delete env.TENANTLINK_MASTER_KEY;
  delete env.TENANTLINK_ADMIN_PASSWORD;
  delete env.TENANTLINK_ALLOW_PRIVATE_TARGETS;
  const child = spawn(process.execPath, [...cliCommand, ...args], {
    cwd: options.work,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners: Array<(stderr: string) => void> = [];
  const stdoutListeners: Array<(stdout: string) => void> = [];
  child.stdout.on('data', (d) => {
    stdout += d;
    for (const listener of stdoutListeners) listener(stdout);
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const listener of listeners) listener(stderr);
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  child.stdin.end(options.stdin ?? '');
  return {
    done,
    onStderr: (listener) => listeners.push(listener),
    onStdout: (listener) => {
      stdoutListeners.push(listener);
      listener(stdout);
    },
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}
