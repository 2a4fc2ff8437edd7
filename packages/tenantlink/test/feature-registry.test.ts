import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FEATURE_CATALOGUE } from '../src/catalogue/permissions.js';
import { FEATURES as MODEL_FEATURES, validateConnectionInput } from '../src/connections/model.js';
import type { FeatureDefinition, PermissionNeed } from '../src/features/feature.js';
import { GRAPH_PERMISSION_IDS } from '../src/features/graph-permissions.js';
import { allDatasets, allProbes, FEATURE_REGISTRY, FEATURES, permissionForRoute } from '../src/features/index.js';

const FEATURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'features');
const registry: readonly FeatureDefinition[] = FEATURE_REGISTRY;

/** Every permission a feature's rows name for one type: the least ones and the higher ones that also do. */
const rowPermissions = (needs: readonly PermissionNeed[] | null) =>
  (needs ?? []).flatMap((n) => [n.permission, ...n.alsoSatisfiedBy]);

describe('the feature registry', () => {
  test('one folder per feature, each in the registry, and the registry is the one feature list', () => {
    const folders = readdirSync(FEATURES_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(FEATURES_DIR, d.name, 'index.ts')))
      .map((d) => d.name)
      .sort();
    assert.deepEqual(folders, registry.map((f) => f.name.replace('.', '-')).sort(), 'folders and registry agree');
    assert.equal(new Set(FEATURES).size, FEATURES.length, 'names are unique');
    assert.deepEqual(MODEL_FEATURES, FEATURES);
    assert.deepEqual(
      FEATURE_CATALOGUE.map((e) => e.feature),
      FEATURES,
    );
  });

  test('every feature has a title, a guide text, permission rows with Graph IDs, and a probe (or says why not)', () => {
    for (const f of registry) {
      assert.ok(f.title.length > 5, `${f.name}: a title`);
      assert.ok(f.guide.length > 20 && !f.guide.endsWith('.'), `${f.name}: a guide text (a clause, no full stop)`);
      const { application, delegated } = f.permissions;
      assert.ok((application?.length ?? 0) + (delegated?.length ?? 0) > 0, `${f.name}: permission rows`);
      for (const [type, needs] of [
        ['application', application],
        ['delegated', delegated],
      ] as const)
        for (const permission of rowPermissions(needs))
          assert.ok(GRAPH_PERMISSION_IDS[permission]?.[type], `${f.name}: no ${type} Graph ID for ${permission}`);
      for (const need of [...(application ?? []), ...(delegated ?? [])])
        assert.ok(need.why.length > 10, `${f.name}: why ${need.permission}`);
      assert.ok(
        f.probes.length > 0 || (f.notProbedBecause?.length ?? 0) > 10,
        `${f.name}: a doctor probe, or notProbedBecause`,
      );
      assert.ok(!(f.probes.length > 0 && f.notProbedBecause), `${f.name}: probes and notProbedBecause both`);
      for (const lookup of f.lookups ?? [])
        assert.ok(GRAPH_PERMISSION_IDS[lookup], `${f.name}: no Graph ID for ${lookup}`);
    }
  });

  test("each probe's permission is one its feature grants, and the route rules name the same permission", () => {
    for (const f of registry)
      for (const probe of f.probes) {
        const { method, route, permission } = probe.call;
        const granted = [...rowPermissions(f.permissions.application), ...rowPermissions(f.permissions.delegated)];
        assert.ok(granted.includes(permission), `${f.name} / ${probe.name}: ${permission} is not in its rows`);
        assert.equal(permissionForRoute(route, method), permission, `${f.name} / ${probe.name}: ${method} ${route}`);
      }
    assert.ok(allProbes().length >= 9);
  });

  test("every route rule's permission belongs to its feature and has a Graph ID", () => {
    for (const f of registry) {
      const own = [...rowPermissions(f.permissions.application), ...rowPermissions(f.permissions.delegated)];
      for (const rule of f.graphRoutes) {
        assert.ok(own.includes(rule.permission), `${f.name}: ${rule.path} names ${rule.permission}, not its own`);
        assert.ok(rule.path.startsWith('/') || rule.path.startsWith('{user}/'), `${f.name}: ${rule.path}`);
      }
    }
  });

  test('the error diagnosis takes the most specific rule of any feature', () => {
    const cases: [string, string, string | undefined][] = [
      ['GET', '/users', 'User.Read.All'],
      ['GET', '/users/{id}', 'User.Read.All'],
      ['PATCH', '/users/{id}', 'User.ReadWrite.All'],
      ['GET', '/groups/{id}/members', 'GroupMember.Read.All'],
      ['POST', '/users/{id}/calendar/getSchedule', 'Calendars.Read'],
      ['GET', '/me/calendarView', 'Calendars.Read'],
      ['POST', '/users/{id}/events', 'Calendars.ReadWrite'],
      ['GET', '/users/{id}/mailFolders/inbox/messages', 'Mail.Read'],
      ['POST', '/me/sendMail', 'Mail.Send'],
      ['GET', '/users/{id}/presence', 'Presence.Read.All'],
      ['POST', '/users/{id}/presence/setPresence', 'Presence.ReadWrite.All'],
      ['GET', '/drives/{id}/items/{id}', 'Files.ReadWrite.All'],
      ['GET', '/auditLogs/signIns', 'AuditLog.Read.All'],
      ['GET', '/subscriptions', undefined],
    ];
    for (const [method, route, permission] of cases)
      assert.equal(permissionForRoute(route, method), permission, `${method} ${route}`);
  });

  test("a feature's settings are validated under its name; datasets come from the features", () => {
    const valid = {
      name: 'contoso',
      tenant: 'contoso.onmicrosoft.com',
      clientId: '11111111-2222-3333-4444-555555555555',
      authMode: 'secret',
    };
    assert.throws(
      () => validateConnectionInput({ ...valid, settings: { directory: { groups: ['not-a-guid'] } } }),
      /settings\.directory\.groups holds group object IDs/,
    );
    assert.deepEqual(
      allDatasets().map((d) => d.name),
      ['directory'],
    );
  });
});
