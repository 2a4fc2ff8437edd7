import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TenantlinkError } from '../errors.js';
import { makeDataFolderPrivate } from '../store/database.js';

/**
 * The master keys that encrypt stored secrets. The primary key encrypts; every key in the ring decrypts, so a rotation
 * can re-encrypt stored secrets one by one while the old key still reads the ones not yet done.
 *
 * Keys come from the environment (`TENANTLINK_MASTER_KEY`, plus `TENANTLINK_MASTER_KEY_PREVIOUS` for keys being
 * rotated out) or, when it is not set, from `<dataDir>/master-key.json`, created on first run with mode 0600.
 */

export const MASTER_KEY_ENV = 'TENANTLINK_MASTER_KEY';
export const PREVIOUS_MASTER_KEYS_ENV = 'TENANTLINK_MASTER_KEY_PREVIOUS';
export const KEY_FILE_NAME = 'master-key.json';

const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2})$/;
const GENERATE_KEY_HINT = 'openssl rand -base64 32';
/** How often a file keyring looks whether another process rotated or retired a key. */
const FILE_RECHECK_MS = 2_000;
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

export interface MasterKey {
  /** Short identifier, written into every envelope this key encrypts. Not secret. */
  readonly id: string;
  /** ISO time the key was made; unknown for keys given through the environment. */
  readonly createdAt: string | undefined;
  /** The 32-byte AES key. A KeyObject, so that inspecting or logging a MasterKey never prints the bytes. */
  readonly secret: KeyObject;
}

export interface LoadKeyringOptions {
  /** tenantlink's data folder, where the key file lives when no key is given through the environment. */
  dataDir: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
}

interface KeyFileEntry {
  id: string;
  key: string;
  createdAt: string;
}

interface KeyFileContent {
  version: 1;
  primary: string;
  keys: KeyFileEntry[];
}

export class Keyring {
  /** Where the keys come from: `env` keyrings are read-only (rotate by changing the environment). */
  readonly source: 'env' | 'file';
  /** The key file, for `file` keyrings. */
  readonly file: string | undefined;
  #keys = new Map<string, MasterKey>();
  #primaryId: string;
  #fileStamp = '';
  #checkedAt = 0;

  private constructor(source: 'env' | 'file', file: string | undefined, keys: MasterKey[], primaryId: string) {
    this.source = source;
    this.file = file;
    for (const key of keys) this.#keys.set(key.id, key);
    this.#primaryId = primaryId;
  }

  /** @internal use loadKeyring */
  static fromEnvironment(primary: MasterKey, previous: MasterKey[]): Keyring {
    return new Keyring('env', undefined, [primary, ...previous], primary.id);
  }

  /** @internal use loadKeyring */
  static fromFile(file: string): Keyring {
    const { content, stamp } = readKeyFile(file);
    const ring = new Keyring('file', file, content.keys.map(toMasterKey), content.primary);
    ring.#fileStamp = stamp;
    ring.#checkedAt = Date.now();
    return ring;
  }

  /** The key new secrets are encrypted with. */
  get primary(): MasterKey {
    this.#followFile(false);
    return this.#keys.get(this.#primaryId)!;
  }

  /** The key with this id, or undefined. A key another process added to the key file is picked up. */
  get(id: string): MasterKey | undefined {
    const key = this.#keys.get(id);
    if (key !== undefined) return key;
    this.#followFile(true);
    return this.#keys.get(id);
  }

  /** Ids of every key in the ring, primary first. */
  ids(): string[] {
    this.#followFile(false);
    return [this.#primaryId, ...[...this.#keys.keys()].filter((id) => id !== this.#primaryId)];
  }

  /**
   * Adds a new key and makes it primary; the old keys stay for decryption. The key file is rewritten atomically
   * (mode 0600) under a lock, merging what other processes wrote, so concurrent rotations never lose a key.
   */
  async rotate(): Promise<MasterKey> {
    const file = this.#writableFile('rotate');
    return withKeyFileLock(file, () => {
      const { content } = readKeyFile(file);
      const existing = new Set(content.keys.map((k) => k.id));
      let id = newKeyId();
      while (existing.has(id)) id = newKeyId();
      const entry: KeyFileEntry = { id, key: randomBytes(KEY_BYTES).toString('base64'), createdAt: now() };
      this.#save(file, { version: 1, primary: id, keys: [...content.keys, entry] });
      return this.#keys.get(id)!;
    });
  }

  /**
   * Removes a key for good. Secrets still encrypted with it can no longer be read, so retire a key only once no stored
   * secret uses it (Vault.retireUnusedKeys checks that for you). The primary key cannot be retired.
   */
  async retire(id: string): Promise<void> {
    const file = this.#writableFile('retire');
    await withKeyFileLock(file, () => {
      const { content } = readKeyFile(file);
      if (content.primary === id) {
        throw new TenantlinkError('KEY_IS_PRIMARY', `Master key ${id} is the primary key and cannot be retired.`, {
          diagnosis: {
            meaning: 'The primary key encrypts every new secret.',
            fix: 'Rotate first (a new primary key is made), re-encrypt the stored secrets, then retire the old key.',
          },
        });
      }
      if (!content.keys.some((k) => k.id === id)) {
        throw new TenantlinkError('KEY_NOT_FOUND', `Master key ${id} is not in ${file}.`);
      }
      this.#save(file, { ...content, keys: content.keys.filter((k) => k.id !== id) });
    });
  }

  #writableFile(action: string): string {
    if (this.file === undefined) {
      throw new TenantlinkError(
        'KEYRING_READ_ONLY',
        `The master key comes from ${MASTER_KEY_ENV}, so tenantlink cannot ${action} it itself.`,
        {
          diagnosis: {
            meaning: 'Keys given through the environment are managed where the environment is set.',
            fix:
              `To rotate: generate a key (${GENERATE_KEY_HINT}), set it as ${MASTER_KEY_ENV}, move the old value to ` +
              `${PREVIOUS_MASTER_KEYS_ENV} (comma-separated), restart, re-encrypt the stored secrets, then remove ` +
              `the old value from ${PREVIOUS_MASTER_KEYS_ENV}.`,
          },
        },
      );
    }
    return this.file;
  }

  #save(file: string, content: KeyFileContent): void {
    writeKeyFileAtomically(file, content);
    this.#replaceFrom(content);
    this.#fileStamp = fileStamp(file);
    this.#checkedAt = Date.now();
  }

  #replaceFrom(content: KeyFileContent): void {
    this.#keys = new Map(content.keys.map((entry) => [entry.id, toMasterKey(entry)]));
    this.#primaryId = content.primary;
  }

  /** Re-reads the key file when it changed since we read it (another process rotated or retired a key). */
  #followFile(force: boolean): void {
    if (this.file === undefined) return;
    const at = Date.now();
    // An unknown key id (force) always looks: a stat is cheap, and a miss is rare.
    if (!force && at - this.#checkedAt < FILE_RECHECK_MS) return;
    this.#checkedAt = at;
    let stamp: string;
    try {
      stamp = fileStamp(this.file);
    } catch {
      return; // keep the keys we have; a missing file is reported on the next load
    }
    if (stamp === this.#fileStamp) return;
    const { content, stamp: readStamp } = readKeyFile(this.file);
    this.#replaceFrom(content);
    this.#fileStamp = readStamp;
  }
}

/**
 * Loads the master keys: from `TENANTLINK_MASTER_KEY` when set, otherwise from `<dataDir>/master-key.json`, which is
 * created (mode 0600) with one new key on first run.
 */
export async function loadKeyring(options: LoadKeyringOptions): Promise<Keyring> {
  const env = options.env ?? process.env;
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const primary = keyFromEnvironment(fromEnv, MASTER_KEY_ENV);
    const previous = (env[PREVIOUS_MASTER_KEYS_ENV] ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter((value) => value !== '')
      .map((value, index) => keyFromEnvironment(value, `${PREVIOUS_MASTER_KEYS_ENV} (entry ${index + 1})`))
      .filter((key) => key.id !== primary.id);
    return Keyring.fromEnvironment(primary, previous);
  }
  const file = join(options.dataDir, KEY_FILE_NAME);
  createKeyFileIfMissing(options.dataDir, file);
  makeDataFolderPrivate(options.dataDir);
  return Keyring.fromFile(file);
}

/** Decodes a base64 key given through the environment. Errors say what is wrong, never what the value was. */
function keyFromEnvironment(value: string, name: string): MasterKey {
  const text = value.trim();
  if (!BASE64.test(text)) {
    throw invalidEnvironmentKey(name, 'it is not base64 text');
  }
  const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (bytes.length !== KEY_BYTES) {
    throw invalidEnvironmentKey(name, `it decodes to ${bytes.length} bytes instead of ${KEY_BYTES}`);
  }
  // The id is derived from the key, so the same key has the same id in every process and after every restart.
  const id = `e${createHmac('sha256', bytes).update('tenantlink master key id').digest('base64url').slice(0, 9)}`;
  const key: MasterKey = { id, createdAt: undefined, secret: createSecretKey(bytes) };
  bytes.fill(0);
  return key;
}

function invalidEnvironmentKey(name: string, problem: string): TenantlinkError {
  return new TenantlinkError('MASTER_KEY_INVALID', `${name} is not a valid master key: ${problem}.`, {
    diagnosis: {
      meaning: `The master key must be the base64 encoding of exactly ${KEY_BYTES} random bytes.`,
      fix: `Generate one with \`${GENERATE_KEY_HINT}\` and set ${name} to its output.`,
    },
  });
}

function toMasterKey(entry: KeyFileEntry): MasterKey {
  const bytes = Buffer.from(entry.key, 'base64');
  const key: MasterKey = { id: entry.id, createdAt: entry.createdAt, secret: createSecretKey(bytes) };
  bytes.fill(0);
  return key;
}

function newKeyId(): string {
  return randomBytes(6).toString('base64url');
}

function now(): string {
  return new Date().toISOString();
}

function fileStamp(file: string): string {
  const st = statSync(file);
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

const checksModes = process.platform !== 'win32';

/** Makes the key file with one new key, unless it exists. Safe when several processes start at once. */
function createKeyFileIfMissing(dataDir: string, file: string): void {
  try {
    statSync(file);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw keyFileError(file, error);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const id = newKeyId();
  const content: KeyFileContent = {
    version: 1,
    primary: id,
    keys: [{ id, key: randomBytes(KEY_BYTES).toString('base64'), createdAt: now() }],
  };
  const temp = writeTempKeyFile(file, content);
  try {
    // link() fails when the name exists, so the first process to get there wins and the others read its file.
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw keyFileError(file, error);
  } finally {
    rmSync(temp, { force: true });
  }
}

function writeKeyFileAtomically(file: string, content: KeyFileContent): void {
  const temp = writeTempKeyFile(file, content);
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw keyFileError(file, error);
  }
}

function writeTempKeyFile(file: string, content: KeyFileContent): string {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    // The umask can only remove bits from 0600, but be explicit: the key file must never be readable by others.
    if (checksModes) chmodSync(temp, 0o600);
    writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

function readKeyFile(file: string): { content: KeyFileContent; stamp: string } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY);
  } catch (error) {
    throw keyFileError(file, error);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new TenantlinkError('KEY_FILE_INVALID', `The master key file ${file} is not a regular file.`);
    }
    if (checksModes && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new TenantlinkError(
        'KEY_FILE_PERMISSIONS',
        `The master key file ${file} can be read by other users (mode ${mode}); tenantlink refuses to use it.`,
        {
          diagnosis: {
            meaning: 'Anyone who can read the master key can decrypt every stored client secret and token.',
            fix: `Run \`chmod 600 ${file}\` (and consider the key exposed: rotate it if others could read it).`,
          },
        },
      );
    }
    const text = readFileSync(fd, 'utf8');
    return { content: parseKeyFile(file, text), stamp: `${st.ino}:${st.size}:${st.mtimeMs}` };
  } finally {
    closeSync(fd);
  }
}

/** Checks the key file's shape; messages name the field that is wrong, never a key's value. */
function parseKeyFile(file: string, text: string): KeyFileContent {
  const invalid = (problem: string) =>
    new TenantlinkError('KEY_FILE_INVALID', `The master key file ${file} is not valid: ${problem}.`, {
      diagnosis: {
        meaning: 'tenantlink cannot read its master keys, so it cannot decrypt stored secrets.',
        fix: 'Restore master-key.json from your backup. Do not delete it: without it stored secrets are lost.',
      },
    });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalid('it is not JSON');
  }
  if (typeof data !== 'object' || data === null) throw invalid('it is not a JSON object');
  const { keys, primary } = data as { keys?: unknown; primary?: unknown };
  if (!Array.isArray(keys) || keys.length === 0) throw invalid('"keys" must be a non-empty list');
  const entries: KeyFileEntry[] = keys.map((raw, index) => {
    const entry = raw as Partial<KeyFileEntry> | null;
    if (typeof entry !== 'object' || entry === null) throw invalid(`keys[${index}] is not an object`);
    if (typeof entry.id !== 'string' || !KEY_ID.test(entry.id)) throw invalid(`keys[${index}].id is not a key id`);
    if (typeof entry.key !== 'string' || !BASE64.test(entry.key) || Buffer.from(entry.key, 'base64').length !== 32) {
      throw invalid(`keys[${index}].key (id ${entry.id}) is not base64 of ${KEY_BYTES} bytes`);
    }
    return { id: entry.id, key: entry.key, createdAt: typeof entry.createdAt === 'string' ? entry.createdAt : '' };
  });
  if (new Set(entries.map((e) => e.id)).size !== entries.length) throw invalid('two keys have the same id');
  if (typeof primary !== 'string' || !entries.some((e) => e.id === primary)) {
    throw invalid('"primary" must be the id of one of the keys');
  }
  return { version: 1, primary, keys: entries };
}

function keyFileError(file: string, error: unknown): TenantlinkError {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return new TenantlinkError('KEY_FILE_UNREADABLE', `Cannot use the master key file ${file} (${code}).`, {
    cause: error,
    diagnosis: {
      meaning: 'tenantlink keeps the key that encrypts stored secrets in this file.',
      fix: 'Check that the data folder exists and belongs to the user tenantlink runs as.',
    },
  });
}

/** Serialises rotate/retire across processes that share the key file. */
async function withKeyFileLock<T>(file: string, action: () => T): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw keyFileError(lock, error);
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) unlinkSync(lock); // left by a crashed process
      } catch {
        // the holder removed it meanwhile
      }
      if (Date.now() > deadline) {
        throw new TenantlinkError('KEY_FILE_LOCKED', `Another process holds ${lock}.`, {
          diagnosis: {
            meaning: 'A key rotation is under way in another tenantlink process.',
            fix: `Wait for it to finish. If no tenantlink process is rotating keys, delete ${lock}.`,
          },
        });
      }
      await sleep(50);
    }
  }
  try {
    return action();
  } finally {
    rmSync(lock, { force: true });
  }
}
