import type { ApiKeysRepository, StoredApiKey } from '../../store/api-keys-repository.js';
import { randomToken, sha256 } from './secrets.js';

const PREFIX = 'tlk_';

/** Creates an API key. The key is returned once; only its hash is stored. */
export async function createApiKey(
  repository: ApiKeysRepository,
  name: string,
): Promise<{ key: string; apiKey: StoredApiKey }> {
  const key = `${PREFIX}${randomToken(32)}`;
  const apiKey = await repository.create({ name, prefix: key.slice(0, PREFIX.length + 6), keyHash: sha256(key) });
  return { key, apiKey };
}

/** The stored key a bearer value belongs to, or undefined. */
export async function findApiKey(repository: ApiKeysRepository, bearer: string): Promise<StoredApiKey | undefined> {
  if (!bearer.startsWith(PREFIX) || bearer.length > 200) return undefined;
  return repository.findByHash(sha256(bearer));
}
