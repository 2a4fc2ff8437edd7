import { Command } from '@commander-js/extra-typings';
import { type RunningSandbox, startSandbox } from '../sandbox.js';
import type { CliIo } from './io.js';
import { integer, positiveNumber } from './options.js';

function listeningLines(sandbox: RunningSandbox): string[] {
  const lines = [
    `tenantlink sandbox listening on ${sandbox.authority}`,
    `  authority   ${sandbox.authority}`,
    `  graph       ${sandbox.graph}`,
    `  control     ${sandbox.control}`,
    `  CA          ${sandbox.caCertFile}  (trust it: NODE_EXTRA_CA_CERTS=${sandbox.caCertFile})`,
    `  state file  ${sandbox.stateFile ?? '(none)'}`,
  ];
  for (const t of sandbox.tenants) {
    lines.push(`  tenant      ${t.displayName}  ${t.defaultDomain}  ${t.id}`);
    if (t.admin) lines.push(`    admin     ${t.admin.userPrincipalName}  password: ${t.admin.password}`);
  }
  lines.push('Press Ctrl+C to stop.');
  return lines;
}

/** `start`: runs the sandbox until SIGINT or SIGTERM, which remove its state file. */
export function startCommand(io: CliIo) {
  return new Command('start')
    .description('start the sandbox and write its state file once it listens')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free port)', integer(0, 65535), 8443)
    .option('--seed <n>', 'seed of the generated organisation', integer(0, 2 ** 31), 1)
    .option('--users <n>', 'users in each seeded tenant', integer(1, 1_000_000), 50)
    .option('--groups <n>', 'groups in each seeded tenant (default: by department and size)', integer(0, 1_000_000))
    .option('--tenants <n>', 'tenants to seed', integer(1, 100), 1)
    .option('--data <dir>', 'folder for the CA, TLS and signing keys', '.tenantlink-sandbox')
    .option('--state-file <file>', 'where to write the state file (default <data>/state.json)')
    .option('--no-throttling', "turn Graph throttling off (it is on, with Microsoft's quotas, by default)")
    .option(
      '--throttle-scale <factor>',
      'multiply every throttling quota (0.01 = a hundred times tighter)',
      positiveNumber,
      1,
    )
    .option('--latency <ms>', 'add this many milliseconds to every Graph request', integer(0, 60_000), 0)
    .action(async (opts) => {
      const sandbox = await startSandbox({
        host: opts.host,
        port: opts.port,
        seed: opts.seed,
        users: opts.users,
        groups: opts.groups,
        tenants: opts.tenants,
        dataDir: opts.data,
        throttling: { enabled: opts.throttling, scale: opts.throttleScale },
        latency: { ms: opts.latency },
        ...(opts.stateFile ? { stateFile: opts.stateFile } : {}),
      });
      io.out(listeningLines(sandbox).join('\n'));
      const stop = async () => {
        await sandbox.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
