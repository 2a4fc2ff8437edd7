import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Where the built console is, beside this package in the repository (packages/console/dist). */
export function defaultConsoleDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'console', 'dist');
}

/** The console's own paths: a browser reloading one gets index.html. `/connections/*` covers a connection's tabs. */
export const CONSOLE_PAGES = [
  '/connections',
  '/connections/*',
  '/integrations',
  '/integrations/*',
  '/webhooks',
  '/webhooks/*',
  '/api-keys',
  '/jobs',
];

/** The first path segments that are the server's own: an unknown path under them stays a JSON 404. */
const SERVER_SEGMENTS = new Set(['api', 'metrics', 'connect', 'healthz', 'readyz']);

/** A browser navigating to a page (it asks for HTML) outside the API, metrics, health and connect paths. */
export function asksForConsolePage(request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (!request.headers.accept?.includes('text/html')) return false;
  const segment = request.url.split(/[?#]/)[0]?.split('/')[1] ?? '';
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // A malformed escape is no path of the server's: the console's not-found page is the right answer.
  }
  return !SERVER_SEGMENTS.has(decoded.toLowerCase());
}

/**
 * Serves the console's files at `/` and its index.html for the console's own paths (a browser reloading
 * `/connections/abc`, `/integrations`). A browser asking for any other page gets index.html too, with status 404, so
 * the console shows its own not-found page; API, metrics and connect paths keep their JSON 404s. These routes are
 * public (the files hold no data) and may be cached, and only they: they are marked in their own plugin scope.
 * Returns whether a console was found.
 */
export async function registerConsole(app: FastifyInstance, dir: string | null): Promise<boolean> {
  if (!dir || !existsSync(join(dir, 'index.html'))) return false;
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true, consoleFile: true };
      route.schema = { ...route.schema, hide: true };
    });
    await scope.register(fastifyStatic, { root: dir, prefix: '/', wildcard: false, index: ['index.html'] });
    for (const page of CONSOLE_PAGES) scope.get(page, (_request, reply) => reply.sendFile('index.html'));
  });
  // Read on each request: a rebuilt console names new asset files.
  app.notFoundPage = async (request) =>
    asksForConsolePage(request) ? readFile(join(dir, 'index.html'), 'utf8') : null;
  return true;
}
