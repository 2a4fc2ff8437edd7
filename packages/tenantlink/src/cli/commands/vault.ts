import type { Cli } from '../context.js';
import { print } from '../io.js';
import { count } from '../plural.js';

/** `tenantlink vault rotate`: a new master key, every stored secret re-encrypted under it. */
export function registerVaultCommands({ program, withContext, failed }: Cli): void {
  const vault = program.command('vault').description('the encryption of stored secrets');
  vault
    .command('rotate')
    .description('make a new master key and re-encrypt every stored secret under it')
    .action(
      withContext(async (ctx) => {
        const report = await ctx.service.rotateVault();
        print(ctx.output, report, () => [
          `New master key ${report.primaryKeyId} (was ${report.previousPrimaryKeyId}).`,
          `Re-encrypted ${report.reencrypted} of ${count(report.visited, 'secret')}.`,
          ...report.failed.map((f) => `Could not decrypt ${f.kind} of ${ownerOf(f.kind)} ${f.connectionId}: ${f.code}`),
        ]);
        if (report.failed.length > 0) failed();
      }),
    );
}

/** What a secret that failed to decrypt belongs to, by its kind. */
function ownerOf(kind: string): string {
  if (kind === 'integration_secret') return 'integration';
  if (kind === 'connect_flow_payload') return 'connect flow';
  if (kind.startsWith('webhook_')) return 'webhook';
  return 'connection';
}
