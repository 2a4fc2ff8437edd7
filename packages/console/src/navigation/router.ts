import { useSyncExternalStore } from 'react';

// pushState does not fire popstate, so navigate() announces itself with this event.
const NAVIGATED = 'tenantlink:navigated';

export type Route =
  | { page: 'connections' }
  | { page: 'add-connection' }
  /** A connection's page; `tab` is its tab's path segment, '' for the Overview. */
  | { page: 'connection'; id: string; tab: string }
  | { page: 'integrations' }
  | { page: 'webhooks' }
  | { page: 'api-keys' }
  | { page: 'jobs' }
  | { page: 'not-found' };

/** What a page asks the next one to do, carried in history.state so it survives nothing but this one step. */
export interface NavigationState {
  runTest?: boolean;
}

export function navigate(path: string, state: NavigationState | null = null): void {
  window.history.pushState(state, '', path);
  window.scrollTo(0, 0);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** Reads the state navigate() left for this page once, then clears it so a reload does not repeat it. */
export function takeNavigationState(): NavigationState {
  const state = (window.history.state ?? {}) as NavigationState;
  window.history.replaceState(null, '');
  return state;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** A connection's page, or one of its tabs: `/connections/<id>/directory`. */
export function connectionPath(id: string, tab = ''): string {
  return `/connections/${encodeURIComponent(id)}${tab ? `/${encodeURIComponent(tab)}` : ''}`;
}

/** What tells pages apart: a connection's tabs are one page, so moving between them keeps focus on the tab. */
export function pageKey(route: Route): string {
  return route.page === 'connection' ? `connection:${route.id}` : route.page;
}

export function matchRoute(path: string): Route {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (trimmed === '/') return { page: 'connections' };
  if (trimmed === '/connections/new') return { page: 'add-connection' };
  if (trimmed === '/integrations') return { page: 'integrations' };
  if (trimmed === '/webhooks') return { page: 'webhooks' };
  if (trimmed === '/api-keys') return { page: 'api-keys' };
  if (trimmed === '/jobs') return { page: 'jobs' };
  const detail = /^\/connections\/([^/]+)(?:\/([^/]+))?$/.exec(trimmed);
  if (detail?.[1]) return { page: 'connection', id: decoded(detail[1]), tab: decoded(detail[2] ?? '') };
  return { page: 'not-found' };
}

/** A path segment unescaped; a malformed escape is kept as typed (no connection or tab has such a name). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
