import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the built console is, beside this package in the repository (packages/console/dist). */
export function defaultConsoleDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'console', 'dist');
}

/** The console's own paths: a browser reloading one gets index.html. */
export const CONSOLE_PAGES = [
  '/connections',
  '/connections/*',
  '/integrations',
  '/integrations/*',
  '/webhooks',
  '/webhooks/*',
  '/api-keys',
];

/**
 * Serves the console's files at `/` and its index.html for the console's own paths (a browser reloading
 * `/connections/abc`, `/integrations`). API, metrics and connect paths keep their JSON 404s. These routes are public
 * (the files hold no data) and may be cached, and only they: they are marked in their own plugin scope. Returns whether a console was
 * found.
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
  return true;
}
