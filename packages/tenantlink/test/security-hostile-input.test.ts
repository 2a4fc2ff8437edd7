import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { Vault } from '../src/connections/vault.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { rawRequest } from './helpers/raw-http.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

/**
 * Walks every operation of the OpenAPI document as an attacker would: without credentials (as sent, percent-encoded,
 * in absolute form), then with an admin key and hostile ids, query strings and bodies. Nothing may answer 5xx, and
 * nothing but the public operations may answer 2xx without credentials.
 *
 * The store holds no connection or integration, so no request can reach Microsoft or any other host: every id is
 * unknown and every body is invalid.
 */

const ODD_IDS = [
  'x',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%00',
  '%FF%FE',
  '%E2%80%AE%F0%9F%92%A5',
  "'%20OR%201%3D1%20--",
  '-1',
  '00000000-0000-0000-0000-000000000000',
  'a'.repeat(3000),
];

const nest = (open: string, close: string, depth: number, leaf = '1') =>
  open.repeat(depth) + leaf + close.repeat(depth);

const BODIES: { name: string; contentType: string; body: string }[] = [
  { name: 'empty object', contentType: 'application/json', body: '{}' },
  { name: 'array 20,000 deep', contentType: 'application/json', body: nest('[', ']', 20_000) },
  { name: 'object 20,000 deep', contentType: 'application/json', body: nest('{"a":', '}', 20_000) },
  {
    name: 'settings 20 deep',
    contentType: 'application/json',
    body: JSON.stringify({ name: 'n', settings: JSON.parse(nest('{"a":', '}', 20)), cloud: 'global' }),
  },
  {
    // Valid but for its settings: without the depth limits it would be stored, and its settings serialized.
    name: 'a connection whose settings nest 20,000 deep',
    contentType: 'application/json',
    body: `{"name":"deep","tenantId":"contoso.onmicrosoft.com","clientId":"11111111-2222-3333-4444-555555555555","authMode":"secret","clientSecret":"abc~secret-value","settings":${nest('{"a":', '}', 20_000)}}`,
  },
  { name: 'huge', contentType: 'application/json', body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }) },
  { name: 'array', contentType: 'application/json', body: '[1,2,3]' },
  { name: 'string', contentType: 'application/json', body: '"text"' },
  { name: 'null', contentType: 'application/json', body: 'null' },
  {
    name: 'wrong types',
    contentType: 'application/json',
    body: JSON.stringify({
      name: 123,
      url: [],
      tenantId: {},
      clientId: true,
      authMode: 7,
      settings: 'x',
      features: 'directory',
      cloud: 5,
      integration: 7,
      connection: [],
      password: 1,
      setupToken: {},
      scope: 'root',
      since: 'yesterday',
      keepPreviousHours: 1e300,
    }),
  },
  { name: 'prototype pollution', contentType: 'application/json', body: '{"__proto__":{"polluted":true}}' },
  { name: 'constructor pollution', contentType: 'application/json', body: '{"constructor":{"prototype":{"x":1}}}' },
  { name: 'broken JSON', contentType: 'application/json', body: '{"name":' },
  { name: 'text', contentType: 'text/plain', body: 'hello' },
  { name: 'form', contentType: 'application/x-www-form-urlencoded', body: 'a=1&b=2' },
];

const ODD_QUERIES = [
  '',
  '?limit=-1&since=abc&features=%3Cscript%3E&mode=root&format=exe',
  `?connection[]=a&connection[]=b&model=../../x&state=%00&token=${'x'.repeat(5000)}`,
  '?__proto__[polluted]=1&constructor[prototype][x]=1',
];

interface Operation {
  method: string;
  path: string;
  public: boolean;
}

function operations(doc: { paths: Record<string, Record<string, { security?: unknown[] }>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      public: Array.isArray(op.security) && op.security.length === 0,
    })),
  );
}

/** The operation's path with every `{param}` replaced by `id`. */
const fill = (path: string, id: string) => path.replace(/\{[^}]+\}/g, id);

/** The first letter of the first segment percent-encoded: `/api/v1/x` → `/%61pi/v1/x`. */
const encodeFirstLetter = (path: string) =>
  path.replace(/^\/([a-z])/, (_m, c: string) => `/%${c.charCodeAt(0).toString(16)}`);

for (const target of storeTargets()) {
  describe(`hostile input on every route, ${target.name}`, () => {
    let store: TestStore;
    let service: ConnectionService;
    let app: FastifyInstance;
    let port: number;
    let key: string;
    let ops: Operation[];

    before(async () => {
      store = await target.open();
      service = new ConnectionService({
        store,
        vault: new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-hostile-')), env: {} })),
        configuredCloudsOnly: true,
      });
      app = await buildServer({ store, service, consoleDir: null, setupToken: 'setup-token-of-this-run' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = (app.addresses()[0] as { port: number }).port;
      key = (await createApiKey(apiKeysRepository(store), 'walker')).key;
      ops = operations(
        (await app.inject({ url: '/api/openapi.json', headers: { authorization: `Bearer ${key}` } })).json(),
      );
    });
    after(async () => {
      await app.close();
      await service.close();
      await store.close();
      await target.cleanUp();
    });

    test('the document lists every API operation', () => {
      assert.ok(ops.length >= 40, `${ops.length} operations`);
      for (const expected of [
        'POST /api/v1/webhooks',
        'POST /api/v1/connections/{id}/test',
        'DELETE /api/v1/api-keys/{id}',
      ])
        assert.ok(
          ops.some((o) => `${o.method} ${o.path}` === expected),
          expected,
        );
    });

    test('without credentials: no 2xx but on public routes, and no 5xx, however the request is spelled', async () => {
      const problems: string[] = [];
      const judge = (op: Operation, how: string, status: number) => {
        if (status >= 500) problems.push(`${how}: ${status}`);
        else if (!op.public && status >= 200 && status < 300) problems.push(`${how}: ${status} without credentials`);
      };
      for (const op of ops) {
        const url = fill(op.path, 'x');
        const body = ['POST', 'PATCH', 'PUT'].includes(op.method) ? '{}' : undefined;
        const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
        const injected = await app.inject({
          method: op.method as 'GET',
          url,
          headers,
          ...(body ? { payload: body } : {}),
        });
        judge(op, `${op.method} ${url}`, injected.statusCode);
        for (const line of [
          `${op.method} ${encodeFirstLetter(url)} HTTP/1.1`,
          `${op.method} http://127.0.0.1:${port}${url} HTTP/1.1`,
          `${op.method} http://attacker.example${encodeFirstLetter(url)} HTTP/1.1`,
        ]) {
          const answer = await rawRequest(port, line, headers, body);
          judge(op, line, answer.status);
        }
      }
      assert.deepEqual(problems, []);
    });

    test('with an admin key: odd ids, query strings and bodies give 4xx, never 5xx', async () => {
      const problems: string[] = [];
      let requests = 0;
      const statuses = new Map<number, number>();
      for (const op of ops) {
        const hasParams = op.path.includes('{');
        const urls = hasParams ? ODD_IDS.map((id) => fill(op.path, id)) : [op.path];
        const withBody = ['POST', 'PATCH', 'PUT'].includes(op.method);
        for (const url of urls)
          for (const query of ODD_QUERIES)
            for (const body of withBody ? BODIES : [undefined]) {
              const res = await app.inject({
                method: op.method as 'GET',
                url: url + query,
                headers: {
                  authorization: `Bearer ${key}`,
                  ...(body ? { 'content-type': body.contentType } : {}),
                },
                ...(body ? { payload: body.body } : {}),
              });
              requests++;
              statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
              if (res.statusCode >= 500)
                problems.push(
                  `${op.method} ${url.slice(0, 80)}${query.slice(0, 40)} [${body?.name ?? 'no body'}]: ${res.statusCode} ${res.body.slice(0, 200)}`,
                );
            }
      }
      assert.deepEqual(problems, []);
      assert.ok(requests > 1000, `${requests} requests`);
      // The walk did reach the validators and handlers, not only the router.
      for (const status of [400, 404, 413]) assert.ok((statuses.get(status) ?? 0) > 0, `some ${status}`);
    });
  });
}
