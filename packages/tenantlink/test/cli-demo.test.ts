import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { demoStateFile } from '../src/cli/demo-sandbox.js';
import { type RunningServer, startServer } from '../src/server/start.js';
import { runCliHere } from './helpers/cli-in-process.js';

describe('the CLI beside `tenantlink serve` in demo mode, on the same data folder', () => {
  const work = mkdtempSync(join(tmpdir(), 'tl-cli-demo-'));
  const dataDir = join(work, 'data');
  const stateFile = demoStateFile(dataDir);
  let server: RunningServer | undefined;
  const cli = (args: string[], env: Record<string, string> = {}) => runCliHere(['--data', dataDir, ...args], { env });

  before(async () => {
    server = await startServer({ dataDir, port: 0, demo: true, consoleDir: null, env: {} });
    assert.ok(server.demo, 'the server started its demo sandbox');
    assert.ok(existsSync(stateFile), `the demo sandbox wrote ${stateFile}`);
  });
  after(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('doctor and token reach the demo tenant without --sandbox, trusting its CA', async () => {
    const doctor = await cli(['doctor', 'demo']);
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, /✔ The app gets a token from the tenant/);
    assert.match(doctor.stdout, /No errors found\./);
    const token = await cli(['--json', 'token', 'demo']);
    assert.equal(token.code, 0, token.stderr);
    assert.equal(JSON.parse(token.stdout).kind, 'app-only');
  });

  test('once the server stopped, the CLI says the demo sandbox runs only while serve runs, and how to start it', async () => {
    // Kept to stand for the file a killed server leaves behind: it names a sandbox that no longer listens.
    const leftBehind = join(work, 'state-left-behind.json');
    copyFileSync(stateFile, leftBehind);
    await server?.close();
    server = undefined;
    assert.ok(!existsSync(stateFile), 'a server that stops removes its sandbox state file');

    const stopped = await cli(['doctor', 'demo']);
    assert.equal(stopped.code, 1, stopped.stdout);
    assert.match(stopped.stderr, /demo sandbox tenant, which runs only while `tenantlink serve` runs/);
    assert.match(stopped.stderr, /How to fix it: Start the server with: tenantlink serve,/);
    assert.doesNotMatch(stopped.stderr, /TLS-inspecting proxy|certificate/i);

    const throughNpm = await cli(['sync', 'demo', 'directory'], { npm_lifecycle_event: 'tenantlink' });
    assert.equal(throughNpm.code, 1, throughNpm.stdout);
    assert.match(throughNpm.stderr, /Start the server with: npm run -s tenantlink -- serve,/);

    copyFileSync(leftBehind, stateFile);
    const killed = await cli(['--json', 'token', 'demo']);
    assert.equal(killed.code, 1, killed.stdout);
    assert.equal(JSON.parse(killed.stdout).error.code, 'DEMO_NOT_RUNNING');
  });
});
