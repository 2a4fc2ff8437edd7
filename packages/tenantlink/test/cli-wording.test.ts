import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { commandHint } from '../src/cli/hints.js';
import { count } from '../src/cli/plural.js';
import { runCliHere } from './helpers/cli-in-process.js';

describe('CLI wording: hints name the command as it is run, counts read naturally', () => {
  const work = mkdtempSync(join(tmpdir(), 'tl-cli-wording-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCliHere(['--data', join(work, 'data'), ...args], { env });

  test('through `npm run -s tenantlink --`, hints say that; installed, they say `tenantlink`', async () => {
    const npm = { npm_lifecycle_event: 'tenantlink' };
    const viaNpm = await cli(['apikeys', 'list'], npm);
    assert.equal(viaNpm.code, 0, viaNpm.stderr);
    assert.equal(
      viaNpm.stdout,
      'No API keys yet. Create one with: npm run -s tenantlink -- apikeys create --name <name>',
    );
    assert.match(
      (await cli(['connections', 'list'], npm)).stdout,
      /Add one with: npm run -s tenantlink -- connections add/,
    );
    assert.match((await cli(['webhooks', 'list'], npm)).stdout, /Add one with: npm run -s tenantlink -- webhooks add/);

    const installed = await cli(['apikeys', 'list']);
    assert.equal(installed.stdout, 'No API keys yet. Create one with: tenantlink apikeys create --name <name>');
    // Another npm script (a product's own `npm start`) is not the repository's CLI script.
    assert.equal(commandHint({ npm_lifecycle_event: 'start' })('serve'), 'tenantlink serve');
  });

  test('one secret is "1 secret", several are "secrets"', async () => {
    const secretFile = join(work, 'secret.txt');
    writeFileSync(secretFile, 'abc~DEFghijklmnopqrstuvwxyz0123456789ABCD\n');
    const added = await cli([
      ...['integrations', 'add', '--name', 'acme', '--client-id', '11111111-2222-3333-4444-555555555555'],
      ...['--features', 'directory', '--return-url', 'https://app.example.test/connected'],
      ...['--client-secret-file', secretFile],
    ]);
    assert.equal(added.code, 0, added.stderr);
    const rotated = await cli(['vault', 'rotate']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /^Re-encrypted 1 of 1 secret\.$/m);

    assert.deepEqual(
      [count(0, 'error'), count(1, 'error'), count(2, 'error'), count(1, 'feed entry', 'feed entries')],
      ['0 errors', '1 error', '2 errors', '1 feed entry'],
    );
    assert.equal(count(3, 'feed entry', 'feed entries'), '3 feed entries');
  });
});
