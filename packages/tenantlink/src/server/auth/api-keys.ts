import { TenantlinkError } from '../../errors.js';
import type { ApiKeyScope } from '../../model/auth-modes.js';
import type { ApiKeysRepository, StoredApiKey } from '../../store/api-keys-repository.js';
import { randomToken, sha256 } from '../../tokens.js';

export { API_KEY_SCOPES, type ApiKeyScope } from '../../model/auth-modes.js';

const PREFIX = 'tlk_';

/** What each scope lets a key do, as help texts and the API's descriptions say it. */
export const API_KEY_SCOPE_MEANINGS: Record<ApiKeyScope, string> = {
  admin: 'everything, including managing API keys',
  read: 'safe methods only (GET and HEAD), on everything but the API keys',
  metrics: 'only GET /metrics, for a Prometheus scraper',
};

/** A key's name, the same for the CLI and the API: it shows in lists and logs, so plain characters only. */
export const API_KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;
export const API_KEY_NAME_RULE =
  'may hold letters, digits, spaces, dots, dashes and underscores, starting with a letter or digit (at most 100)';

/** Creates an API key. The key is returned once; only its hash is stored. */
export async function createApiKey(
  repository: ApiKeysRepository,
  name: string,
  scope: ApiKeyScope = 'admin',
): Promise<{ key: string; apiKey: StoredApiKey }> {
  const key = `${PREFIX}${randomToken(32)}`;
  const apiKey = await repository.create({
    name,
    prefix: key.slice(0, PREFIX.length + 6),
    keyHash: sha256(key),
    scope,
  });
  return { key, apiKey };
}

/** Deletes a key by id or name; requests with it fail from now on. Throws API_KEY_NOT_FOUND when there is none. */
export async function revokeApiKey(repository: ApiKeysRepository, idOrName: string): Promise<void> {
  if (!(await repository.delete(idOrName)))
    throw new TenantlinkError('API_KEY_NOT_FOUND', `No API key is named or has the id '${idOrName}'.`, {
      status: 404,
      diagnosis: {
        meaning: 'There is no such key to revoke: it was revoked already, or the name is spelt differently.',
        fix: 'List the keys (tenantlink apikeys list, or GET /api/v1/api-keys) and give one of their names or ids.',
      },
    });
}

/** The stored key a bearer value belongs to, or undefined. */
export async function findApiKey(repository: ApiKeysRepository, bearer: string): Promise<StoredApiKey | undefined> {
  if (!bearer.startsWith(PREFIX) || bearer.length > 200) return undefined;
  return repository.findByHash(sha256(bearer));
}
