import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { type ConnectionMode, requiredPermissions } from '../src/catalogue/permissions.js';
import { runCli } from '../src/cli/run.js';
import type { Feature } from '../src/connections/model.js';
import type { TenantlinkError } from '../src/errors.js';
import { renderGuide } from '../src/guide/render.js';
import { buildSetupGuide } from '../src/guide/setup-guide.js';

const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const GRAPH = '00000003-0000-0000-c000-000000000000';

/** The permission IDs a text names, without Microsoft Graph's own app ID. */
const idsIn = (text: string) => new Set([...text.matchAll(ID)].map((m) => m[0]).filter((id) => id !== GRAPH));

const cases: { features: Feature[]; mode: ConnectionMode; redirectUri?: string }[] = [
  { features: ['directory', 'calendar', 'mail', 'mail.send', 'presence', 'files', 'scan'], mode: 'application' },
  { features: ['calendar', 'mail.shared', 'presence.write'], mode: 'delegated' },
  { features: ['directory', 'calendar.write'], mode: 'multi-tenant', redirectUri: 'https://app.example.com/consent' },
];

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    stdin: new PassThrough(),
    env: {},
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('setup guide', () => {
  for (const c of cases) {
    test(`${c.mode}: manifest, Azure CLI and PowerShell list exactly the catalogue's permissions`, () => {
      const guide = buildSetupGuide(c);
      const expected = new Set(requiredPermissions(c.features, c.mode).permissions.map((p) => p.id));
      assert.ok(expected.size > 0);
      assert.deepEqual(idsIn(JSON.stringify(guide.manifest)), expected, 'manifest');
      assert.deepEqual(idsIn(guide.azureCli), expected, 'Azure CLI');
      assert.deepEqual(idsIn(guide.powerShell), expected, 'PowerShell');
      const syntax = spawnSync('bash', ['-n'], { input: guide.azureCli, encoding: 'utf8' });
      assert.equal(syntax.status, 0, `bash -n: ${syntax.stderr}`);
      // Application permissions are Roles and delegated ones Scopes (multi-tenant adds the delegated openid and
      // profile, for the sign-in that proves the tenant after admin consent).
      const { permissions } = requiredPermissions(c.features, c.mode);
      for (const [type, kind] of [
        ['application', 'Role'],
        ['delegated', 'Scope'],
      ] as const) {
        const count = permissions.filter((p) => p.type === type).length;
        assert.equal((guide.azureCli.match(new RegExp(`=${kind}`, 'g')) ?? []).length, count, `${kind}s`);
        assert.equal(
          guide.manifest.requiredResourceAccess[0]!.resourceAccess.filter((a) => a.type === kind).length,
          count,
        );
      }
      if (c.mode === 'multi-tenant')
        assert.deepEqual(
          permissions.filter((p) => p.type === 'delegated').map((p) => p.permission),
          ['openid', 'profile'],
        );
      const markdown = renderGuide(guide, 'markdown');
      for (const p of guide.permissions) assert.ok(markdown.includes(`| ${p.permission} | ${p.type} | \`${p.id}\``));
    });
  }

  test('application mode: a secret step that warns about the Secret ID, admin consent, and the mailbox scope', () => {
    const guide = buildSetupGuide({ features: ['mail'], mode: 'application' });
    const text = renderGuide(guide, 'markdown');
    assert.match(text, /Copy the Value, not the Secret ID/);
    assert.match(text, /Grant admin consent for <your organization>/);
    assert.match(text, /Accounts in this organizational directory only \(Single tenant\)/);
    assert.match(text, /New-ApplicationAccessPolicy/);
    assert.match(guide.azureCli, /--sign-in-audience AzureADMyOrg/);
    assert.match(guide.azureCli, /az ad app credential reset/);
    assert.match(guide.powerShell, /New-MgServicePrincipalAppRoleAssignment/);
    assert.equal(guide.adminConsentUrl, null);
  });

  test('delegated mode without a redirect URI is a public client with no secret', () => {
    const guide = buildSetupGuide({ features: ['presence'], mode: 'delegated' });
    assert.match(renderGuide(guide, 'markdown'), /Allow public client flows to Yes/);
    assert.match(guide.azureCli, /--is-fallback-public-client true/);
    assert.doesNotMatch(guide.azureCli, /credential reset/);
    assert.match(guide.powerShell, /-IsFallbackPublicClient/);
    assert.match(
      guide.powerShell,
      /New-MgOauth2PermissionGrant .*-Scope 'openid profile offline_access User.Read Presence.Read.All'/,
    );
  });

  test('multi-tenant mode: any organization, and an admin-consent link for customers', () => {
    const guide = buildSetupGuide(cases[2]!);
    assert.equal(guide.signInAudience, 'AzureADMultipleOrgs');
    assert.equal(
      guide.adminConsentUrl,
      'https://login.microsoftonline.com/organizations/v2.0/adminconsent?client_id=<Application (client) ID>' +
        '&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&redirect_uri=https%3A%2F%2Fapp.example.com%2Fconsent',
    );
    assert.match(renderGuide(guide, 'markdown'), /Multitenant/);
  });

  test('bad requests are refused with what to do', () => {
    const refused = (options: Parameters<typeof buildSetupGuide>[0], pattern: RegExp) =>
      assert.throws(
        () => buildSetupGuide(options),
        (err: TenantlinkError) => err.code === 'INVALID_INPUT' && pattern.test(err.message),
      );
    refused({ features: [], mode: 'application' }, /at least one feature/);
    refused({ features: ['calendars' as Feature], mode: 'application' }, /Unknown feature calendars/);
    refused({ features: ['mail.shared'], mode: 'application' }, /mail.shared needs a delegated connection/);
    refused({ features: ['directory'], mode: 'multi-tenant' }, /needs a redirect URI/);
    refused({ features: ['directory'], mode: 'delegated', redirectUri: 'http://example.com/cb' }, /must be https/);
  });

  test('HTML output escapes what it prints', () => {
    const html = renderGuide(
      buildSetupGuide({ features: ['directory'], mode: 'application', appName: 'A <b>&' }),
      'html',
    );
    assert.match(html, /<h1>Connect Microsoft 365: A &lt;b&gt;&amp;<\/h1>/);
    assert.doesNotMatch(html, /A <b>/);
  });

  test('the CLI prints the guide, JSON with --json, and exits 2 on bad input', async () => {
    const md = await cli(['guide', '--features', 'directory,scan']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Connect Microsoft 365/);
    const json = await cli(['--json', 'guide', '--features', 'presence', '--mode', 'delegated']);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout).features, ['presence']);
    const bad = await cli(['guide', '--features', 'mail.shared']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /needs a delegated connection/);
    const badMode = await cli(['guide', '--features', 'mail', '--mode', 'app']);
    assert.equal(badMode.code, 2);
    assert.match(badMode.stderr, /Allowed choices are application, delegated, multi-tenant/);
  });
});
