import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';
import { TEST_DATA_DIR } from '../src/testing/index.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function output(child: ChildProcess, until: RegExp, timeoutMs = 20_000): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${until}; got: ${text}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (until.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

describe('tenantlink-sandbox CLI', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  test('start serves HTTPS, prints where it listens and writes the state file; SIGTERM removes it', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'sandbox-cli-')), 'state.json');
    const child = run(['start', '--port', '0', '--users', '12', '--data', TEST_DATA_DIR, '--state-file', stateFile]);
    children.push(child);
    const text = await output(child, /Press Ctrl\+C/);
    assert.match(text, /tenantlink sandbox listening on https:\/\/localhost:\d+/);
    assert.match(text, /admin@\S+\.onmicrosoft\.com {2}password: \S+/);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    assert.match(state.authority, /^https:\/\/localhost:\d+$/);
    assert.equal(state.graph, `${state.authority}/v1.0`);
    assert.equal(state.control, `${state.authority}/_sandbox`);
    assert.equal(state.caCertFile, join(TEST_DATA_DIR, 'ca.pem'));
    assert.match(state.tenants[0].id, /^[0-9a-f-]{36}$/);
    assert.match(state.tenants[0].defaultDomain, /\.onmicrosoft\.com$/);
    assert.ok(state.tenants[0].admin.userPrincipalName && state.tenants[0].admin.password);

    const dispatcher = new Agent({ connect: { ca: readFileSync(state.caCertFile, 'utf8') } });
    const res = await fetch(`${state.authority}/${state.tenants[0].id}/v2.0/.well-known/openid-configuration`, {
      dispatcher,
    });
    assert.equal(res.status, 200);
    const tenant = (await (await fetch(`${state.control}/tenants/${state.tenants[0].id}`, { dispatcher })).json()) as {
      users: unknown[];
    };
    assert.equal(tenant.users.length, 12);
    await dispatcher.close();

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    assert.equal(existsSync(stateFile), false);
  });

  test('bad options fail with a message and a non-zero exit', async () => {
    const child = run(['start', '--port', 'abc']);
    children.push(child);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const text = await output(child, /expected a whole number/);
    assert.match(text, /--port/);
    assert.notEqual(await exit, 0);
  });
});
