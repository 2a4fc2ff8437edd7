import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch } from 'undici';

// biome-ignore lint/suspicious/noExplicitAny: control-API JSON.
export type Json = any;

/** What the sandbox's state file says, and what the bench needs from it. */
export interface SandboxState {
  authority: string;
  graph: string;
  control: string;
  caCertFile: string;
  tenants: { id: string; defaultDomain: string }[];
}

export function readState(stateFile: string): SandboxState {
  return JSON.parse(readFileSync(stateFile, 'utf8')) as SandboxState;
}

/** Calls the sandbox's control API. */
export function controlClient(state: SandboxState) {
  const dispatcher = new Agent({ connect: { ca: readFileSync(state.caCertFile, 'utf8') } });
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${state.control}${path}`, {
      method,
      dispatcher,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return { call, close: () => dispatcher.close() };
}

/** Starts the sandbox CLI in its own process (so its CPU and memory are not the measured side's) and waits for it. */
export async function startSandboxProcess(options: {
  repo: string;
  dataDir: string;
  users: number;
  groups: number;
  latencyMs: number;
}): Promise<{ state: SandboxState; stateFile: string; child: ChildProcess }> {
  const stateFile = join(options.dataDir, 'state.json');
  const child = spawn(
    process.execPath,
    [
      join(options.repo, 'packages/sandbox/dist/cli.js'),
      'start',
      '--port',
      '0',
      '--users',
      String(options.users),
      '--groups',
      String(options.groups),
      '--latency',
      String(options.latencyMs),
      '--data',
      options.dataDir,
      '--state-file',
      stateFile,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let waited = 0; !existsSync(stateFile); waited += 100) {
    if (child.exitCode !== null) throw new Error(`the sandbox exited with ${child.exitCode}`);
    if (waited > 180_000) throw new Error('the sandbox did not start within 3 minutes');
    await sleep(100);
  }
  return { state: readState(stateFile), stateFile, child };
}

/** Runs a bench side in its own process and returns the JSON line it prints last. */
export async function runSide(script: string, args: string[]): Promise<Json> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last);
}
