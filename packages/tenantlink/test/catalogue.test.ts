import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
// The sandbox's copy of Graph's published permissions: an independent source to check the IDs against.
import { GRAPH_PERMISSIONS } from '@tenantlink/sandbox/testing';
import {
  FEATURE_CATALOGUE,
  GRAPH_PERMISSION_IDS,
  isSatisfied,
  MICROSOFT_GRAPH_APP_ID,
  requiredPermissions,
  requiredResourceAccess,
} from '../src/catalogue/permissions.js';
import { FEATURES } from '../src/connections/model.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('permission catalogue', () => {
  test('covers every feature exactly once', () => {
    assert.deepEqual(FEATURE_CATALOGUE.map((e) => e.feature).sort(), [...FEATURES].sort());
  });

  test('every permission it names has a well-formed, unique ID of the right type', () => {
    const ids = new Set<string>();
    for (const [name, byType] of Object.entries(GRAPH_PERMISSION_IDS)) {
      for (const id of Object.values(byType)) {
        assert.match(id, GUID, name);
        assert.ok(!ids.has(id), `${id} is used twice`);
        ids.add(id);
      }
    }
    for (const entry of FEATURE_CATALOGUE) {
      for (const type of ['application', 'delegated'] as const) {
        for (const n of entry[type] ?? []) {
          assert.ok(GRAPH_PERMISSION_IDS[n.permission]?.[type], `${entry.feature}: no ${type} ID for ${n.permission}`);
          for (const higher of n.alsoSatisfiedBy)
            assert.ok(GRAPH_PERMISSION_IDS[higher]?.[type], `${entry.feature}: no ${type} ID for ${higher}`);
        }
      }
    }
  });

  test("IDs agree with the sandbox's independent copy of Graph's permissions", () => {
    let compared = 0;
    for (const p of GRAPH_PERMISSIONS) {
      const ours = GRAPH_PERMISSION_IDS[p.name];
      if (!ours) continue;
      assert.equal(ours.application, p.application?.id, `${p.name} application`);
      assert.equal(ours.delegated, p.delegated?.id, `${p.name} delegated`);
      compared++;
    }
    assert.ok(compared >= 25, `compared ${compared}`);
  });

  test('application mode: least-privileged roles, each once, with the features that need them', () => {
    const { permissions, unsupported } = requiredPermissions(
      ['directory', 'scan', 'mail', 'mail.shared'],
      'application',
    );
    assert.deepEqual(
      permissions.map((p) => p.permission),
      [
        'User.Read.All',
        'GroupMember.Read.All',
        'Mail.Read',
        'Directory.Read.All',
        'AuditLog.Read.All',
        'Reports.Read.All',
        'Policy.Read.All',
        'SharePointTenantSettings.Read.All',
      ],
    );
    assert.ok(permissions.every((p) => p.type === 'application'));
    assert.deepEqual(unsupported, ['mail.shared']);
    const directoryRead = permissions.find((p) => p.permission === 'Directory.Read.All')!;
    assert.deepEqual(directoryRead.features, ['scan']);
    // Multi-tenant: the same application permissions, and the delegated openid and profile for the admin's sign-in.
    assert.deepEqual(
      requiredPermissions(['directory'], 'multi-tenant').permissions.map((p) => [p.permission, p.type]),
      [
        ['openid', 'delegated'],
        ['profile', 'delegated'],
        ['User.Read.All', 'application'],
        ['GroupMember.Read.All', 'application'],
      ],
    );
  });

  test('delegated mode adds the sign-in basics and uses delegated IDs', () => {
    const { permissions } = requiredPermissions(['presence.write', 'mail.shared'], 'delegated');
    assert.deepEqual(
      permissions.map((p) => p.permission),
      ['openid', 'profile', 'offline_access', 'User.Read', 'Mail.Read.Shared', 'Presence.ReadWrite'],
    );
    assert.equal(
      permissions.find((p) => p.permission === 'Presence.ReadWrite')!.id,
      '8d3c54a7-cf58-4773-bf81-c0cd6ad522bb',
    );
  });

  test('a higher permission satisfies a need; an unrelated one does not', () => {
    const [users] = requiredPermissions(['directory'], 'application').permissions;
    assert.ok(isSatisfied(users!, ['User.Read.All']));
    assert.ok(isSatisfied(users!, ['Directory.Read.All']));
    assert.ok(!isSatisfied(users!, ['User.ReadBasic.All', 'Group.Read.All']));
  });

  test('the manifest block lists application roles as Role and delegated scopes as Scope', () => {
    const app = requiredResourceAccess(requiredPermissions(['mail.send'], 'application').permissions);
    assert.deepEqual(app, [
      {
        resourceAppId: MICROSOFT_GRAPH_APP_ID,
        resourceAccess: [{ id: 'b633e1c5-b582-4048-a93e-9f11b44c7e96', type: 'Role' }],
      },
    ]);
    const delegated = requiredResourceAccess(requiredPermissions(['mail.send'], 'delegated').permissions);
    assert.ok(delegated[0]!.resourceAccess.every((a) => a.type === 'Scope'));
    assert.ok(delegated[0]!.resourceAccess.some((a) => a.id === 'e383f46e-2787-4529-855e-0e479a3ffac0'));
  });
});
