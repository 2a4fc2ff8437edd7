import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { KEY_FILE_NAME, loadKeyring } from '../src/connections/keyring.js';
import { Vault } from '../src/connections/vault.js';
import { TenantlinkError } from '../src/errors.js';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenantlink-vault-keyring-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string) => statSync(file).mode & 0o777;
const posix = process.platform !== 'win32';

function expectError(code: string, forbidden: string[] = []) {
  return (error: unknown) => {
    assert.ok(error instanceof TenantlinkError, `expected a TenantlinkError, got ${String(error)}`);
    assert.equal(error.code, code);
    const everything = `${error.message}\n${JSON.stringify(error)}\n${String(error.stack)}`;
    for (const value of forbidden) assert.ok(!everything.includes(value), `the error must not contain ${value}`);
    return true;
  };
}

describe('key file', () => {
  test('is created on first run with mode 0600 and one key, and read back on the next run', async () => {
    const dataDir = join(freshDir(), 'nested', 'data');
    const previousUmask = process.umask(0); // a permissive umask must not make the key file readable
    let keyring: Awaited<ReturnType<typeof loadKeyring>>;
    try {
      keyring = await loadKeyring({ dataDir, env: {} });
    } finally {
      process.umask(previousUmask);
    }
    const file = join(dataDir, KEY_FILE_NAME);
    assert.equal(keyring.source, 'file');
    assert.equal(keyring.file, file);
    if (posix) assert.equal(mode(file), 0o600);
    const content = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(content.keys.length, 1);
    assert.equal(content.primary, keyring.primary.id);
    assert.match(keyring.primary.id, /^[A-Za-z0-9_-]{8}$/);
    assert.equal(Buffer.from(content.keys[0].key, 'base64').length, 32);
    assert.ok(!Number.isNaN(Date.parse(content.keys[0].createdAt)));
    // The key bytes never show when a key is inspected or serialised.
    assert.ok(!JSON.stringify(keyring.primary).includes(content.keys[0].key));

    const again = await loadKeyring({ dataDir, env: {} });
    assert.equal(again.primary.id, keyring.primary.id);
    const vault = new Vault(keyring, { registerDecryptedSecrets: false });
    assert.equal(
      new Vault(again, { registerDecryptedSecrets: false }).decrypt(vault.encrypt('s3cret', 'c:1'), 'c:1'),
      's3cret',
    );
  });

  test('several processes starting at once agree on one key', async () => {
    const dataDir = freshDir();
    const rings = await Promise.all(Array.from({ length: 5 }, () => loadKeyring({ dataDir, env: {} })));
    assert.equal(new Set(rings.map((r) => r.primary.id)).size, 1);
  });

  test('a group- or world-readable key file is refused with a chmod 600 fix', { skip: !posix }, async () => {
    const dataDir = freshDir();
    await loadKeyring({ dataDir, env: {} });
    const file = join(dataDir, KEY_FILE_NAME);
    const key = JSON.parse(readFileSync(file, 'utf8')).keys[0].key as string;
    for (const bad of [0o644, 0o640, 0o604]) {
      chmodSync(file, bad);
      await assert.rejects(loadKeyring({ dataDir, env: {} }), (error: unknown) => {
        expectError('KEY_FILE_PERMISSIONS', [key])(error);
        const e = error as TenantlinkError;
        assert.match(e.message, new RegExp(`mode 0${bad.toString(8)}`));
        assert.ok(e.diagnosis?.fix.includes(`chmod 600 ${file}`));
        return true;
      });
    }
    chmodSync(file, 0o600);
    await loadKeyring({ dataDir, env: {} });
  });

  test('a damaged key file is a clear error that does not echo key material', async () => {
    const dataDir = freshDir();
    const file = join(dataDir, KEY_FILE_NAME);
    const shortKey = randomBytes(16).toString('base64');
    writeFileSync(file, JSON.stringify({ primary: 'abc', keys: [{ id: 'abc', key: shortKey, createdAt: 'x' }] }), {
      mode: 0o600,
    });
    await assert.rejects(loadKeyring({ dataDir, env: {} }), expectError('KEY_FILE_INVALID', [shortKey]));
    writeFileSync(file, '{not json');
    await assert.rejects(loadKeyring({ dataDir, env: {} }), expectError('KEY_FILE_INVALID'));
    const good = randomBytes(32).toString('base64');
    writeFileSync(file, JSON.stringify({ primary: 'other', keys: [{ id: 'abc', key: good, createdAt: 'x' }] }));
    await assert.rejects(loadKeyring({ dataDir, env: {} }), expectError('KEY_FILE_INVALID', [good]));
  });

  test('rotate adds a primary key, keeps the old one, and rewrites the file with mode 0600', async () => {
    const dataDir = freshDir();
    const keyring = await loadKeyring({ dataDir, env: {} });
    const first = keyring.primary.id;
    const second = await keyring.rotate();
    assert.notEqual(second.id, first);
    assert.equal(keyring.primary.id, second.id);
    assert.ok(keyring.get(first));
    assert.deepEqual(keyring.ids(), [second.id, first]);
    const file = join(dataDir, KEY_FILE_NAME);
    if (posix) assert.equal(mode(file), 0o600);
    const content = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(content.primary, second.id);
    assert.deepEqual(content.keys.map((k: { id: string }) => k.id).sort(), [first, second.id].sort());
    assert.ok(!existsSync(`${file}.lock`));

    await assert.rejects(keyring.retire(second.id), expectError('KEY_IS_PRIMARY'));
    await assert.rejects(keyring.retire('nope'), expectError('KEY_NOT_FOUND'));
    await keyring.retire(first);
    assert.equal(keyring.get(first), undefined);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).keys.length, 1);
  });

  test('another process sees a key rotated in by this one', async () => {
    const dataDir = freshDir();
    const here = await loadKeyring({ dataDir, env: {} });
    const there = await loadKeyring({ dataDir, env: {} }); // stands for a second tenantlink process
    await here.rotate();
    const envelope = new Vault(here, { registerDecryptedSecrets: false }).encrypt('written after rotation', 'c:1');
    const thereVault = new Vault(there, { registerDecryptedSecrets: false });
    assert.equal(thereVault.decrypt(envelope, 'c:1'), 'written after rotation');
  });
});

describe('environment key', () => {
  test('TENANTLINK_MASTER_KEY is used instead of a key file, with a stable id', async () => {
    const dataDir = freshDir();
    const env = { TENANTLINK_MASTER_KEY: randomBytes(32).toString('base64') };
    const keyring = await loadKeyring({ dataDir, env });
    assert.equal(keyring.source, 'env');
    assert.equal(keyring.file, undefined);
    assert.ok(!existsSync(join(dataDir, KEY_FILE_NAME)), 'no key file is made when the key comes from the environment');
    const again = await loadKeyring({ dataDir, env: { TENANTLINK_MASTER_KEY: `${env.TENANTLINK_MASTER_KEY}\n` } });
    assert.equal(again.primary.id, keyring.primary.id);
    const envelope = new Vault(keyring, { registerDecryptedSecrets: false }).encrypt('v', 'c:1');
    assert.equal(new Vault(again, { registerDecryptedSecrets: false }).decrypt(envelope, 'c:1'), 'v');

    // A file key and an environment key are different keys: one cannot read the other's envelopes.
    const fileKeyring = await loadKeyring({ dataDir, env: {} });
    assert.notEqual(fileKeyring.primary.id, keyring.primary.id);
    assert.throws(
      () => new Vault(fileKeyring, { registerDecryptedSecrets: false }).decrypt(envelope, 'c:1'),
      expectError('VAULT_DECRYPT_FAILED'),
    );
    await assert.rejects(keyring.rotate(), expectError('KEYRING_READ_ONLY'));
  });

  test('a wrong length or encoding is refused without echoing the value', async () => {
    const dataDir = freshDir();
    const cases = [
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('base64'),
      'this is not base64 at all!',
      randomBytes(32).toString('hex'),
    ];
    for (const value of cases) {
      await assert.rejects(loadKeyring({ dataDir, env: { TENANTLINK_MASTER_KEY: value } }), (error: unknown) => {
        expectError('MASTER_KEY_INVALID', [value])(error);
        assert.match((error as TenantlinkError).message, /TENANTLINK_MASTER_KEY/);
        return true;
      });
    }
    const good = randomBytes(32).toString('base64');
    const badPrevious = randomBytes(31).toString('base64');
    await assert.rejects(
      loadKeyring({ dataDir, env: { TENANTLINK_MASTER_KEY: good, TENANTLINK_MASTER_KEY_PREVIOUS: badPrevious } }),
      expectError('MASTER_KEY_INVALID', [good, badPrevious]),
    );
  });

  test('base64url keys are accepted', async () => {
    const keyring = await loadKeyring({
      dataDir: freshDir(),
      env: { TENANTLINK_MASTER_KEY: randomBytes(32).toString('base64url') },
    });
    assert.equal(keyring.source, 'env');
  });

  test('TENANTLINK_MASTER_KEY_PREVIOUS keeps old keys readable while secrets move to the new key', async () => {
    const dataDir = freshDir();
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const before = new Vault(await loadKeyring({ dataDir, env: { TENANTLINK_MASTER_KEY: oldKey } }));
    const envelope = before.encrypt('client secret value', 'connection:a:client_secret');

    const afterRing = await loadKeyring({
      dataDir,
      env: { TENANTLINK_MASTER_KEY: newKey, TENANTLINK_MASTER_KEY_PREVIOUS: ` ${oldKey} ,` },
    });
    const vault = new Vault(afterRing, { registerDecryptedSecrets: false });
    assert.equal(afterRing.ids().length, 2);
    assert.equal(vault.decrypt(envelope, 'connection:a:client_secret'), 'client secret value');
    const moved = vault.reencrypt(envelope, 'connection:a:client_secret');
    assert.equal(vault.keyIdOf(moved), afterRing.primary.id);
    assert.equal(vault.decrypt(moved, 'connection:a:client_secret'), 'client secret value');

    // Environment keys are not retired by tenantlink: it reports which old values can be removed.
    const rows = [{ connectionId: 'a', kind: 'client_secret', ciphertext: moved, keyId: vault.keyIdOf(moved) }];
    const report = await vault.retireUnusedKeys(async (visit) => {
      for (const row of rows) await visit(row);
    });
    assert.deepEqual(report.retired, []);
    assert.deepEqual(report.removableFromEnvironment, [before.keyring.primary.id]);
  });
});
