import { readFile } from 'node:fs/promises';
import type { SandboxState } from '../sandbox.js';

export const DEFAULT_STATE_FILE = '.tenantlink-sandbox/state.json';

/** A running sandbox as its state file describes it, with the CA to trust. */
export interface SandboxConnection {
  state: SandboxState;
  caCertPem: string;
}

/** Reads the state file `tenantlink-sandbox start` writes, and the CA it names. */
export async function readStateFile(path: string): Promise<SandboxConnection> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(
      `No sandbox state file at ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}). Start the sandbox ` +
        'with `tenantlink-sandbox start` (it writes this file while it runs), or name the file with --state-file.',
    );
  }
  const state = parseState(text);
  if (!state) {
    throw new Error(
      `${path} is not a sandbox state file (it needs authority, control, caCertFile and tenants). ` +
        'Name the file `tenantlink-sandbox start` wrote with --state-file.',
    );
  }
  let caCertPem: string;
  try {
    caCertPem = await readFile(state.caCertFile, 'utf8');
  } catch (err) {
    throw new Error(
      `Cannot read the sandbox CA ${state.caCertFile} named in ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}). ` +
        'Is the state file left over from a sandbox whose data folder was removed? Start the sandbox again.',
    );
  }
  return { state, caCertPem };
}

function parseState(text: string): SandboxState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const state = value as Record<string, unknown>;
  const strings = ['authority', 'graph', 'control', 'caCertFile'].every((key) => typeof state[key] === 'string');
  const tenants =
    Array.isArray(state.tenants) &&
    state.tenants.every((t) => typeof t?.id === 'string' && typeof t?.defaultDomain === 'string');
  return strings && tenants ? (value as SandboxState) : undefined;
}
