import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { api, type ServerInfo } from '../api';

interface ServerInfoState {
  /** The server's facts (version, demo mode), once known. */
  server: ServerInfo | undefined;
  /** Asks the server again, e.g. after connections were added or removed. */
  refresh: () => void;
}

const ServerInfoContext = createContext<ServerInfoState>({ server: undefined, refresh: () => {} });

/**
 * What the server says about itself (GET /api/v1/server), for the signed-in pages: asked at sign-in, when asked to
 * refresh, and when the browser tab comes back into view, so the demo banner follows the server.
 */
export function ServerInfoProvider({ signedIn, children }: { signedIn: boolean; children: ReactNode }) {
  const [server, setServer] = useState<ServerInfo>();
  const [asked, setAsked] = useState(0);
  const refresh = useCallback(() => setAsked((n) => n + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `asked` is the refresh request.
  useEffect(() => {
    if (!signedIn) return;
    const controller = new AbortController();
    // The server facts only decorate the pages (demo banner, version), so a failure here is not shown.
    api.getServer(controller.signal).then(setServer, () => {});
    return () => controller.abort();
  }, [signedIn, asked]);

  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible') refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [refresh]);

  return <ServerInfoContext.Provider value={{ server, refresh }}>{children}</ServerInfoContext.Provider>;
}

export function useServerInfo(): ServerInfoState {
  return useContext(ServerInfoContext);
}
