import { Option } from '@commander-js/extra-typings';
import {
  API_KEY_NAME,
  API_KEY_NAME_RULE,
  API_KEY_SCOPE_MEANINGS,
  API_KEY_SCOPES,
  createApiKey,
  revokeApiKey,
} from '../../server/auth/api-keys.js';
import { apiKeysRepository } from '../../store/api-keys-repository.js';
import type { Cli } from '../context.js';
import { print, UsageError } from '../io.js';

/** `tenantlink apikeys create|list|revoke`: keys for the HTTP API, stored hashed. */
export function registerApiKeyCommands({ program, withContext, hint }: Cli): void {
  const apikeys = program.command('apikeys').description('API keys for the HTTP API (stored hashed)');
  apikeys
    .command('create')
    .description('create an API key and print it once')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(
      new Option(
        '--scope <scope>',
        `what the key may do: ${API_KEY_SCOPES.map((s) => `${s} (${API_KEY_SCOPE_MEANINGS[s]})`).join('; ')}`,
      )
        .choices(API_KEY_SCOPES)
        .default('admin' as const),
    )
    .action(
      withContext(async (ctx, opts) => {
        const name = opts.name.trim();
        if (!API_KEY_NAME.test(name)) throw new UsageError(`--name ${API_KEY_NAME_RULE}.`);
        const { key, apiKey } = await createApiKey(apiKeysRepository(ctx.store), name, opts.scope);
        print(ctx.output, { key, id: apiKey.id, name: apiKey.name, scope: apiKey.scope }, () => [
          key,
          `API key '${apiKey.name}' (scope ${apiKey.scope}: ${API_KEY_SCOPE_MEANINGS[apiKey.scope]}) created. It is shown only now: send it as "Authorization: Bearer <key>".`,
        ]);
      }),
    );
  apikeys
    .command('list')
    .description('list API keys with their scopes (never the keys themselves)')
    .action(
      withContext(async (ctx) => {
        const keys = await apiKeysRepository(ctx.store).list();
        print(ctx.output, { apiKeys: keys }, () =>
          keys.length === 0
            ? [`No API keys yet. Create one with: ${hint('apikeys create --name <name>')}`]
            : keys.map(
                (k) =>
                  `${k.name}\t${k.scope}\t${k.prefix}…\tcreated ${k.createdAt}\tlast used ${k.lastUsedAt ?? 'never'}`,
              ),
        );
      }),
    );
  apikeys
    .command('revoke <name>')
    .description('delete an API key (by name or id); requests with it fail at once')
    .action(
      withContext(async (ctx, name) => {
        await revokeApiKey(apiKeysRepository(ctx.store), name);
        print(ctx.output, { revoked: name }, () => [`Revoked API key '${name}'.`]);
      }),
    );
}
