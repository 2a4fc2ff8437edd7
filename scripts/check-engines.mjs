#!/usr/bin/env node
// Fails when an installed package declares an `engines.node` range that excludes the running Node.js, so a
// dependency update that drops Node 20 is caught here rather than by a crash. Known, checked exceptions are listed.
import { readFileSync } from 'node:fs';
import semver from 'semver';

/** Packages whose declared range excludes Node 20 but which were verified to work for the way they are used. */
const ALLOWED = {
  // Fastify's light-my-request (inject) pulls cookie@2, which declares node >=22 but runs on 20 (tested by inject).
  cookie: 'used only by light-my-request; checked on Node 20',
  // @fastify/static 10 (also under @fastify/swagger-ui) pulls content-disposition@3, which declares node >=22. It
  // loads on Node 20 and is used only by reply.download(), which tenantlink never calls.
  'content-disposition': 'used only by @fastify/static reply.download(); loads on Node 20',
};

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const node = process.versions.node;
const problems = [];
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  const range = entry.engines?.node;
  if (!path || !range || typeof range !== 'string') continue;
  if (semver.satisfies(node, range, { includePrerelease: true })) continue;
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  if (ALLOWED[name]) continue;
  problems.push(`${name}@${entry.version} wants node ${range}`);
}
if (problems.length > 0) {
  console.error(`Installed packages that do not support Node ${node}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`engines: every installed package accepts Node ${node}`);
