import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';

/** Where a connection's serialized MSAL token cache lives; the vault encrypts it at rest. */
export interface TokenCacheStore {
  load(): Promise<string | null>;
  save(serialized: string): Promise<void>;
}

/**
 * MSAL's persistence hooks over a TokenCacheStore: the cache is read before MSAL looks at it and written back only
 * when MSAL changed it. MSAL calls `afterCacheAccess` even when the request failed, so a failed save surfaces there.
 */
export function tokenCachePlugin(store: TokenCacheStore): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const serialized = await store.load();
      if (serialized) context.tokenCache.deserialize(serialized);
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (context.cacheHasChanged) await store.save(context.tokenCache.serialize());
    },
  };
}

/** A store kept in memory: for one process, and for tests. */
export function memoryTokenCacheStore(): TokenCacheStore & { value: string | null } {
  const store = {
    value: null as string | null,
    async load() {
      return store.value;
    },
    async save(serialized: string) {
      store.value = serialized;
    },
  };
  return store;
}
