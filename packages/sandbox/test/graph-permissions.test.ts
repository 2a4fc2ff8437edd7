import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIRECTORY_PERMISSIONS } from '../src/graph/directory/permissions.js';
import { type Harness, startHarness } from '../src/testing/index.js';

const BOGUS = '00000000-0000-0000-0000-0000000000a1';

/** A concrete request for an endpoint row: unknown object IDs, so a permitted call ends in 404/400, never a write. */
function requestFor(method: string, path: string): { method: string; url: string; body?: unknown } {
  const url = path.replace(/\{[^}]+\}/g, BOGUS);
  const body = method === 'POST' || method === 'PATCH' ? {} : undefined;
  return { method, url, ...(body !== undefined ? { body } : {}) };
}

describe('directory permission table, enforced', () => {
  let h: Harness;
  const tokens = new Map<string, string>();
  let unrelated: string;

  const endpoints = Object.values(DIRECTORY_PERMISSIONS).filter((e) => e.application !== null);
  const permissions = [...new Set(endpoints.flatMap((e) => e.application!))];

  before(async () => {
    h = await startHarness({ users: 10 });
    for (const permission of permissions) tokens.set(permission, (await h.appToken([permission])).token);
    unrelated = (await h.appToken(['Presence.Read.All'])).token;
  });
  after(() => h.close());

  for (const endpoint of endpoints) {
    test(`${endpoint.method} ${endpoint.path}: each listed application permission passes, others get 403`, async () => {
      const { method, url, body } = requestFor(endpoint.method, endpoint.path);
      for (const permission of endpoint.application!) {
        const res = await h.graph(tokens.get(permission)!, url, { method, ...(body !== undefined ? { body } : {}) });
        assert.notEqual(
          res.status,
          403,
          `${permission} should be accepted (${res.status} ${JSON.stringify(res.body)})`,
        );
        assert.notEqual(res.status, 401);
      }
      const denied = await h.graph(unrelated, url, { method, ...(body !== undefined ? { body } : {}) });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'Authorization_RequestDenied');
    });
  }
});
