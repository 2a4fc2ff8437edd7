import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadKeyring } from '../src/connections/keyring.js';
import {
  type ForEachSecret,
  type StoredSecretRow,
  secretContext,
  Vault,
  type VisitStoredSecret,
} from '../src/connections/vault.js';
import { TenantlinkError } from '../src/errors.js';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenantlink-vault-encryption-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function newVault(dataDir = freshDir()): Promise<Vault> {
  return new Vault(await loadKeyring({ dataDir, env: {} }), { registerDecryptedSecrets: false });
}

const ENVELOPE = /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/;

function decryptFailedWithout(...forbidden: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof TenantlinkError);
    assert.equal(error.code, 'VAULT_DECRYPT_FAILED');
    assert.equal(error.cause, undefined);
    const everything = `${error.message}\n${JSON.stringify(error)}\n${String(error.stack)}`;
    for (const value of forbidden) assert.ok(!everything.includes(value), 'the error must not carry the secret');
    return true;
  };
}

/** Replaces one character of an envelope part by another valid base64url character. */
function alterPart(envelope: string, index: number): string {
  const parts = envelope.split('.');
  const part = parts[index]!;
  const at = Math.floor(part.length / 2);
  parts[index] = part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
  return parts.join('.');
}

describe('vault', () => {
  test('encrypts and decrypts, with the key id in the envelope', async () => {
    const vault = await newVault();
    const context = secretContext('conn-1', 'client_secret');
    assert.equal(context, 'connection:conn-1:client_secret');
    for (const plaintext of ['Abc8Q~fake.secret-value_123', '', 'ünïcödé ✓ 🔑', 'x'.repeat(100_000)]) {
      const envelope = vault.encrypt(plaintext, context);
      assert.match(envelope, ENVELOPE);
      assert.equal(envelope.split('.')[1], vault.keyring.primary.id);
      assert.equal(vault.keyIdOf(envelope), vault.keyring.primary.id);
      if (plaintext !== '') assert.ok(!envelope.includes(Buffer.from(plaintext).toString('base64url').slice(0, 12)));
      assert.equal(vault.decrypt(envelope, context), plaintext);
    }
  });

  test('uses a fresh nonce for every encryption', async () => {
    const vault = await newVault();
    const envelopes = Array.from({ length: 2000 }, () => vault.encrypt('same secret', 'connection:c:client_secret'));
    assert.equal(new Set(envelopes.map((e) => e.split('.')[2])).size, envelopes.length);
    assert.equal(new Set(envelopes.map((e) => e.split('.')[3])).size, envelopes.length);
  });

  test('an envelope does not decrypt under another connection or kind', async () => {
    const vault = await newVault();
    const secret = 'the-real-client-secret-value';
    const envelope = vault.encrypt(secret, secretContext('conn-1', 'client_secret'));
    for (const other of [
      secretContext('conn-2', 'client_secret'),
      secretContext('conn-1', 'refresh_token'),
      secretContext('conn-1', 'client_secret '),
    ]) {
      assert.throws(() => vault.decrypt(envelope, other), decryptFailedWithout(secret));
    }
    assert.throws(() => vault.encrypt(secret, ''), /context/);
  });

  test('a tampered or malformed envelope fails without revealing anything', async () => {
    const vault = await newVault();
    const secret = 'tamper-evident-secret-value';
    const context = secretContext('conn-1', 'client_secret');
    const envelope = vault.encrypt(secret, context);
    const tampered = [
      alterPart(envelope, 2), // nonce
      alterPart(envelope, 3), // ciphertext
      alterPart(envelope, 4), // tag
      envelope.slice(0, -2),
      envelope.replace(/^v1\./, 'v2.'),
      `${envelope}.extra`,
      envelope.split('.').slice(0, 4).join('.'),
      'not an envelope',
      '',
    ];
    for (const bad of tampered) assert.throws(() => vault.decrypt(bad, context), decryptFailedWithout(secret));
  });

  test('an unknown key id fails with VAULT_DECRYPT_FAILED naming the key, not the secret', async () => {
    const vault = await newVault();
    const stranger = await newVault(); // another installation with its own key file
    const secret = 'secret-from-elsewhere';
    const envelope = stranger.encrypt(secret, 'connection:x:client_secret');
    assert.throws(
      () => vault.decrypt(envelope, 'connection:x:client_secret'),
      (error: unknown) => {
        decryptFailedWithout(secret)(error);
        assert.match((error as TenantlinkError).message, new RegExp(stranger.keyring.primary.id));
        return true;
      },
    );
    // Same key id, different key material: fails to authenticate.
    const forged = envelope.replace(`.${stranger.keyring.primary.id}.`, `.${vault.keyring.primary.id}.`);
    assert.throws(() => vault.decrypt(forged, 'connection:x:client_secret'), decryptFailedWithout(secret));
  });

  test('reencrypt is a no-op under the primary key and moves older envelopes to it', async () => {
    const vault = await newVault();
    const context = secretContext('c', 'refresh_token');
    const envelope = vault.encrypt('rt-value-123456', context);
    assert.equal(vault.reencrypt(envelope, context), envelope);
    assert.equal(vault.isStale(envelope), false);
    await vault.keyring.rotate();
    assert.equal(vault.isStale(envelope), true);
    const moved = vault.reencrypt(envelope, context);
    assert.notEqual(moved, envelope);
    assert.equal(vault.keyIdOf(moved), vault.keyring.primary.id);
    assert.equal(vault.decrypt(moved, context), 'rt-value-123456');
    assert.throws(() => vault.reencrypt(envelope, secretContext('other', 'refresh_token')), decryptFailedWithout());
  });
});

/** A stand-in for the store's secrets table, with the compare-and-swap write-back the ForEachSecret contract asks for. */
class SecretsTable {
  rows = new Map<string, StoredSecretRow>();
  /** Called after each visited row, to act between rows as a live service would. */
  onRowDone: (visited: number) => void = () => {};

  put(vault: Vault, connectionId: string, kind: string, plaintext: string): void {
    const ciphertext = vault.encrypt(plaintext, secretContext(connectionId, kind));
    this.rows.set(`${connectionId}/${kind}`, { connectionId, kind, ciphertext, keyId: vault.keyIdOf(ciphertext) });
  }

  forEachSecret: ForEachSecret = async (visit: VisitStoredSecret) => {
    let visited = 0;
    for (const [id, row] of [...this.rows]) {
      const replacement = await visit({ ...row });
      const current = this.rows.get(id);
      if (replacement !== undefined && current?.ciphertext === row.ciphertext) {
        this.rows.set(id, { ...row, ...replacement });
      }
      visited += 1;
      this.onRowDone(visited);
    }
  };
}

describe('rotation', () => {
  test('re-encrypts every stored secret while the old key keeps reading, then retires it', async () => {
    const dataDir = freshDir();
    const vault = await newVault(dataDir);
    const table = new SecretsTable();
    const plaintexts = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const kind = i % 2 === 0 ? 'client_secret' : 'refresh_token';
      const value = `secret-${i}-${Math.random()}`;
      table.put(vault, `conn-${i}`, kind, value);
      plaintexts.set(`conn-${i}/${kind}`, value);
    }
    const oldKeyId = vault.keyring.primary.id;
    const oldEnvelope = table.rows.get('conn-0/client_secret')!.ciphertext;
    // A second process that loaded the keyring before the rotation keeps serving reads throughout.
    const otherProcess = new Vault(await loadKeyring({ dataDir, env: {} }), { registerDecryptedSecrets: false });

    const checkAllReadable = () => {
      for (const [id, row] of table.rows) {
        const context = secretContext(row.connectionId, row.kind);
        assert.equal(vault.decrypt(row.ciphertext, context), plaintexts.get(id));
        assert.equal(otherProcess.decrypt(row.ciphertext, context), plaintexts.get(id));
      }
    };
    let midway: Record<string, number> = {};
    table.onRowDone = (visited) => {
      if (visited === 20) {
        checkAllReadable();
        midway = countKeyIds(table);
        // A secret written during the rotation goes straight under the new key.
        table.put(vault, 'conn-new', 'client_secret', 'written-during-rotation');
        plaintexts.set('conn-new/client_secret', 'written-during-rotation');
      }
    };

    const report = await vault.rotate(table.forEachSecret);
    const newKeyId = vault.keyring.primary.id;
    assert.notEqual(newKeyId, oldKeyId);
    assert.equal(report.previousPrimaryKeyId, oldKeyId);
    assert.equal(report.primaryKeyId, newKeyId);
    assert.equal(report.visited, 40);
    assert.equal(report.reencrypted, 40);
    assert.deepEqual(report.failed, []);
    assert.deepEqual(midway, { [oldKeyId]: 20, [newKeyId]: 20 }, 'half done at the midpoint, both halves readable');
    assert.deepEqual(countKeyIds(table), { [newKeyId]: 41 });
    for (const row of table.rows.values()) assert.equal(row.keyId, vault.keyIdOf(row.ciphertext));
    checkAllReadable();

    // Running it again finds nothing to do (it is safe to resume after a crash).
    const again = await vault.reencryptAll(table.forEachSecret);
    assert.equal(again.reencrypted, 0);
    assert.equal(again.alreadyCurrent, 41);

    const retirement = await vault.retireUnusedKeys(table.forEachSecret);
    assert.deepEqual(retirement.retired, [oldKeyId]);
    assert.deepEqual(retirement.stillInUse, {});
    assert.equal(vault.keyring.get(oldKeyId), undefined);
    assert.throws(() => vault.decrypt(oldEnvelope, secretContext('conn-0', 'client_secret')), decryptFailedWithout());
    checkAllReadable();
  });

  test('a key still used by a stored secret is not retired', async () => {
    const vault = await newVault();
    const table = new SecretsTable();
    table.put(vault, 'a', 'client_secret', 'first-secret-value');
    const oldKeyId = vault.keyring.primary.id;
    await vault.keyring.rotate();
    table.put(vault, 'b', 'client_secret', 'second-secret-value');
    const report = await vault.retireUnusedKeys(table.forEachSecret);
    assert.deepEqual(report.retired, []);
    assert.deepEqual(report.stillInUse, { [oldKeyId]: 1 });
    assert.ok(vault.keyring.get(oldKeyId));
  });

  test('an unreadable row is reported and left as it is; the others move', async () => {
    const vault = await newVault();
    const table = new SecretsTable();
    table.put(vault, 'a', 'client_secret', 'good-secret-value');
    const corrupt = alterPart(vault.encrypt('bad-secret-value', secretContext('b', 'client_secret')), 3);
    table.rows.set('b/client_secret', {
      connectionId: 'b',
      kind: 'client_secret',
      ciphertext: corrupt,
      keyId: vault.keyIdOf(corrupt),
    });
    const report = await vault.rotate(table.forEachSecret);
    assert.equal(report.reencrypted, 1);
    assert.deepEqual(report.failed, [{ connectionId: 'b', kind: 'client_secret', code: 'VAULT_DECRYPT_FAILED' }]);
    assert.equal(table.rows.get('b/client_secret')!.ciphertext, corrupt);
    assert.equal(table.rows.get('a/client_secret')!.keyId, vault.keyring.primary.id);
  });
});

function countKeyIds(table: SecretsTable): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of table.rows.values()) counts[row.keyId] = (counts[row.keyId] ?? 0) + 1;
  return counts;
}
