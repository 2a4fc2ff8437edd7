import { useSyncExternalStore } from 'react';

const TICK_MS = 30_000;

// One timer for every relative time on the page, running only while something shows one.
let now = Date.now();
const listeners = new Set<() => void>();
let timer: number | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = Date.now();
    timer = window.setInterval(() => {
      now = Date.now();
      for (const notify of listeners) notify();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      window.clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The current time, updated every 30 seconds: enough for "3 minutes ago" to stay true. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}
