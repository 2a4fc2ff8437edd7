import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the built console is, beside this package in the repository (packages/console/dist). */
export function defaultConsoleDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'console', 'dist');
}

/**
 * Serves the console's files at `/` and its index.html for the console's own paths (a browser reloading
 * `/connections/abc`, `/integrations`). API, metrics and connect paths keep their JSON 404s. Returns whether a console was found.
 */
export async function registerConsole(app: FastifyInstance, dir: string | null): Promise<boolean> {
  if (!dir || !existsSync(join(dir, 'index.html'))) return false;
  await app.register(fastifyStatic, { root: dir, prefix: '/', wildcard: false, index: ['index.html'] });
  for (const page of ['/connections', '/connections/*', '/integrations', '/integrations/*', '/webhooks', '/webhooks/*'])
    app.get(page, (_request, reply) => reply.sendFile('index.html'));
  return true;
}
