import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetch } from 'undici';
import { loadKeyring } from '../src/connections/keyring.js';
import { TenantlinkError } from '../src/errors.js';
import { SERVE_LOCK_FILE, type ServeLockHolder } from '../src/server/data-folder-lock.js';
import { type RunningServer, type StartServerOptions, startServer } from '../src/server/start.js';
import { openStore } from '../src/store/database.js';
import { startCliProcess } from './helpers/cli-process.js';

const modes = process.platform !== 'win32';
const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `tl-${name}-`));
const readLock = (dataDir: string) =>
  JSON.parse(readFileSync(join(dataDir, SERVE_LOCK_FILE), 'utf8')) as ServeLockHolder;
const start = (options: Partial<StartServerOptions> & { dataDir: string }) =>
  startServer({ port: 0, demo: false, consoleDir: null, env: {}, ...options });

/** Asserts the promise rejects with a TenantlinkError of this code; returns its message. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<string> {
  let message = '';
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TenantlinkError, String(err));
    assert.equal(err.code, code, err.message);
    message = err.message;
    return true;
  });
  return message;
}

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  assert.ok(child.pid);
  return child.pid;
}

describe('one data folder serves one server', () => {
  const dataDir = tempDir('lock');
  let first: RunningServer | undefined;

  before(async () => {
    first = await start({ dataDir, demo: true });
  });
  after(async () => {
    await first?.close();
  });

  test('the server holds a 0600 lock file naming its process and where it listens', () => {
    const holder = readLock(dataDir);
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.hostname, hostname());
    assert.equal(holder.host, '127.0.0.1');
    assert.equal(holder.port, Number(new URL(first!.url).port));
    assert.ok(holder.url && first!.url.endsWith(`:${holder.port}`), holder.url);
    assert.ok(!Number.isNaN(Date.parse(holder.startedAt)));
    if (modes) assert.equal(statSync(join(dataDir, SERVE_LOCK_FILE)).mode & 0o777, 0o600);
  });

  test("a second server on the same folder is refused and leaves the first one's demo connection alone", async () => {
    const demo = await first!.service.show('demo');
    assert.equal(demo.settings.demo, true);
    assert.ok(demo.secrets.length > 0, 'the demo connection holds its client secret');
    const sandboxState = readFileSync(join(dataDir, 'sandbox', 'state.json'), 'utf8');
    const lockBefore = readFileSync(join(dataDir, SERVE_LOCK_FILE), 'utf8');

    // With demo on it would replace the demo connection; with demo off it would remove it.
    for (const secondDemo of [true, false]) {
      const message = await rejectsWith(start({ dataDir, demo: secondDemo }), 'DATA_FOLDER_IN_USE');
      assert.ok(message.includes(dataDir), message);
      assert.ok(message.includes(`process ${process.pid}`), message);
      assert.ok(message.includes(first!.url), message);
      assert.match(
        message,
        /stop it first; to run a second server beside it, give this one another data folder \(--data DIR or TENANTLINK_DATA\) and a free port \(--port\)/,
      );
    }

    const after = await first!.service.show('demo');
    assert.equal(after.id, demo.id);
    assert.equal(after.updatedAt, demo.updatedAt);
    assert.deepEqual(after.secrets, demo.secrets);
    assert.deepEqual(
      (await first!.service.list()).map((c) => c.id),
      [demo.id],
    );
    assert.equal(readFileSync(join(dataDir, 'sandbox', 'state.json'), 'utf8'), sandboxState, "the demo's sandbox");
    assert.equal(readFileSync(join(dataDir, SERVE_LOCK_FILE), 'utf8'), lockBefore, 'the lock is still the first one');
    assert.equal((await fetch(`${first!.url}/healthz`)).status, 200);
  });

  test('a second server on the same port with another folder fails with PORT_IN_USE and frees that folder', async () => {
    const other = tempDir('port');
    const port = Number(new URL(first!.url).port);
    const message = await rejectsWith(start({ dataDir: other, port }), 'PORT_IN_USE');
    assert.ok(message.includes(`127.0.0.1:${port}`), message);
    assert.match(message, /--port/);
    assert.ok(!existsSync(join(other, SERVE_LOCK_FILE)), 'the lock of the failed start is released');
    const retry = await start({ dataDir: other });
    await retry.close();
  });

  test('close releases the lock, and the folder can be served again', async () => {
    await first!.close();
    first = undefined;
    assert.ok(!existsSync(join(dataDir, SERVE_LOCK_FILE)));
    first = await start({ dataDir });
    assert.equal(readLock(dataDir).pid, process.pid);
  });
});

describe('a lock file left behind', () => {
  const lockOf = (holder: Partial<ServeLockHolder>) => ({
    pid: process.pid,
    hostname: hostname(),
    host: '127.0.0.1',
    port: 3000,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    ...holder,
  });

  test('by a process that is gone is taken over', async () => {
    const dataDir = tempDir('stale');
    writeFileSync(join(dataDir, SERVE_LOCK_FILE), JSON.stringify(lockOf({ pid: deadPid() })), { mode: 0o600 });
    const server = await start({ dataDir });
    try {
      const holder = readLock(dataDir);
      assert.equal(holder.pid, process.pid);
      assert.equal(holder.url, server.url);
    } finally {
      await server.close();
    }
    assert.ok(!existsSync(join(dataDir, SERVE_LOCK_FILE)));
    assert.ok(!existsSync(join(dataDir, `${SERVE_LOCK_FILE}.takeover`)));
  });

  test('by another host is not taken over: it cannot be checked from here', async () => {
    const dataDir = tempDir('remote');
    const pid = deadPid();
    writeFileSync(
      join(dataDir, SERVE_LOCK_FILE),
      JSON.stringify(lockOf({ pid, hostname: 'elsewhere.example', url: 'http://10.0.0.9:3000' })),
    );
    const message = await rejectsWith(start({ dataDir }), 'DATA_FOLDER_IN_USE');
    assert.ok(message.includes(`process ${pid} on elsewhere.example, serving http://10.0.0.9:3000`), message);
    assert.ok(message.includes(`delete ${join(dataDir, SERVE_LOCK_FILE)}`), message);
  });

  test('that tenantlink cannot read is not taken over', async () => {
    const dataDir = tempDir('garbled');
    writeFileSync(join(dataDir, SERVE_LOCK_FILE), 'not json');
    const message = await rejectsWith(start({ dataDir }), 'DATA_FOLDER_IN_USE');
    assert.match(message, /cannot read/);
  });
});

describe('the data folder is kept private', { skip: !modes && 'file modes are POSIX' }, () => {
  const folderMode = (dir: string) => statSync(dir).mode & 0o777;
  const openFolder = () => {
    const dir = join(tempDir('mode'), 'data');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    return dir;
  };

  test('opening the store tightens an existing 0755 folder to 0700', async () => {
    const dir = openFolder();
    const store = await openStore({ dataDir: dir });
    await store.close();
    assert.equal(folderMode(dir), 0o700);
  });

  test('loading the key file tightens it too', async () => {
    const dir = openFolder();
    await loadKeyring({ dataDir: dir, env: {} });
    assert.equal(folderMode(dir), 0o700);
    chmodSync(dir, 0o750);
    await loadKeyring({ dataDir: dir, env: {} }); // the key file exists now
    assert.equal(folderMode(dir), 0o700);
  });
});

describe('tenantlink serve twice on one folder', () => {
  test('the second exits 1 with one clean paragraph naming the first; the first keeps serving', async () => {
    const work = tempDir('cli-serve');
    const dataDir = join(work, 'data');
    const firstCli = startCliProcess(['serve', '--port', '0', '--no-demo'], { work });
    let exited = false;
    void firstCli.done.then(() => {
      exited = true;
    });
    let firstPid: number | undefined;
    try {
      // The lock gets the URL once the server listens.
      for (let waited = 0; !firstPid; waited += 100) {
        if (exited || waited > 60_000) assert.fail(`the first server did not start: ${(await firstCli.done).stderr}`);
        await sleep(100);
        const holder = existsSync(join(dataDir, SERVE_LOCK_FILE)) ? readLock(dataDir) : undefined;
        if (holder?.url) firstPid = holder.pid;
      }
      const { url } = readLock(dataDir);

      const second = await startCliProcess(['serve', '--port', '0', '--no-demo'], { work }).done;
      assert.equal(second.code, 1, second.stderr);
      assert.equal(second.stdout, '');
      const text = second.stderr.trim();
      assert.match(text, /^tenantlink: The data folder .* is in use by another tenantlink serve: process \d+/);
      assert.ok(text.includes(`process ${firstPid}`) && text.includes(url!), text);
      assert.ok(text.includes('--data DIR or TENANTLINK_DATA'), text);
      assert.ok(!text.includes('\n'), `one paragraph:\n${text}`);
      assert.doesNotMatch(text, /\n\s+at /);

      const port = new URL(url!).port;
      const busyPort = await startCliProcess(['--data', join(work, 'other'), 'serve', '--port', port, '--no-demo'], {
        work,
      }).done;
      assert.equal(busyPort.code, 1, busyPort.stderr);
      const portText = busyPort.stderr.trim();
      assert.match(portText, new RegExp(`^tenantlink: Cannot listen on 127\\.0\\.0\\.1:${port}: .*--port`));
      assert.ok(!portText.includes('\n'), `one paragraph:\n${portText}`);
      assert.ok(!existsSync(join(work, 'other', SERVE_LOCK_FILE)));

      assert.equal((await fetch(`${url}/healthz`)).status, 200, 'the first server still serves');
    } finally {
      // The first server: a process this test started, stopped by the pid it wrote into its lock.
      if (firstPid) process.kill(firstPid, 'SIGTERM');
    }
    const firstRun = await firstCli.done;
    assert.equal(firstRun.code, 0, firstRun.stderr);
    assert.ok(!existsSync(join(dataDir, SERVE_LOCK_FILE)), 'released on SIGTERM');
  });
});
