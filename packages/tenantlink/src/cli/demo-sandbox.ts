import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { type CloudEndpoints, sandboxCloud } from '../auth/clouds.js';
import type { ConnectionService } from '../connections/service.js';
import { TenantlinkError } from '../errors.js';
import { demoStateFile } from '../server/demo.js';
import type { CommandHint } from './hints.js';

export { demoStateFile };

/**
 * The cloud of the demo sandbox that a `tenantlink serve` on this data folder runs, so that the CLI trusts its CA
 * (for that cloud only) without `--sandbox`; undefined when no demo sandbox runs there.
 */
export function demoSandboxCloud(dataDir: string): CloudEndpoints | undefined {
  const stateFile = demoStateFile(dataDir);
  if (!existsSync(stateFile)) return undefined;
  try {
    return sandboxCloud(stateFile).cloud;
  } catch {
    // Removed or half written as the server stopped or started: no demo sandbox to use now.
    return undefined;
  }
}

/**
 * Refuses at once, saying how to start it, when the connection is the demo's and its sandbox is not running: the
 * sandbox lives only as long as the `tenantlink serve` that started it. Without this, the request fails later as an
 * unreachable host or an untrusted certificate, which sends a newcomer looking for a proxy. `sandbox` is the sandbox
 * cloud the CLI trusts (`--sandbox`, or the demo's own state file).
 */
export async function requireDemoSandbox(
  service: ConnectionService,
  idOrName: string,
  sandbox: CloudEndpoints | undefined,
  hint: CommandHint,
): Promise<void> {
  const connection = await service.show(idOrName);
  if (connection.settings.demo !== true || typeof connection.cloud === 'string') return;
  const { authorityHost } = connection.cloud;
  if (sandbox?.authorityHost === authorityHost && (await accepts(authorityHost))) return;
  throw new TenantlinkError(
    'DEMO_NOT_RUNNING',
    `The connection '${connection.name}' lives in the demo sandbox tenant, which runs only while \`tenantlink serve\` ` +
      'runs (in demo mode) on this data folder, and it is not running now.',
    {
      diagnosis: {
        meaning: 'Demo mode starts a sandbox tenant beside the server and stops it with the server.',
        fix: `Start the server with: ${hint('serve')}, then run this command again beside it (in another terminal).`,
      },
    },
  );
}

/** Whether something listens at the URL's host and port (a state file left by a killed server points nowhere). */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(port || 443) });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
