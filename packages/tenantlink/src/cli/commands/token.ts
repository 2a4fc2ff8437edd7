import { describeAccessToken } from '../../auth/claims.js';
import type { Cli } from '../context.js';
import { requireDemoSandbox } from '../demo-sandbox.js';
import { print } from '../io.js';

/** `tenantlink token <connection>`: what a token grants, never the token. */
export function registerTokenCommand({ program, withContext, hint }: Cli): void {
  program
    .command('token <connection>')
    .description('get an access token for a connection and print what it grants (never the token)')
    .option('--force-refresh', 'ask the identity platform for a new token instead of using the cache')
    .action(
      withContext(async (ctx, idOrName, opts) => {
        await requireDemoSandbox(ctx.service, idOrName, ctx.sandbox ?? ctx.demoSandbox, hint);
        const provider = await ctx.service.tokenProvider(idOrName);
        const token = await provider.getToken({ forceRefresh: opts.forceRefresh === true });
        const { claims: _claims, ...described } = describeAccessToken(token.token);
        const result = { connection: idOrName, ...described, expiresOn: token.expiresOn.toISOString() };
        print(ctx.output, result, () => [
          `Token for '${idOrName}': ${described.kind}, tenant ${described.tenantId}, app ${described.appId}.`,
          `Expires: ${result.expiresOn}`,
          `Permissions: ${described.permissions.join(', ') || '(none granted)'}`,
        ]);
      }),
    );
}
