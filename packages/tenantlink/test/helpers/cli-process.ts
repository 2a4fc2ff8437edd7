import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const mainScript = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
/** Resolved here: the commands run in a temporary folder, where `tsx` alone would not resolve. */
const tsxLoader = import.meta.resolve('tsx');

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
  const child = spawn(process.execPath, ['--import', tsxLoader, mainScript, ...args], {
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
