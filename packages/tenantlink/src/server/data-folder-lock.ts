import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TenantlinkError } from '../errors.js';
import { makeDataFolderPrivate } from '../store/database.js';

/**
 * One data folder serves one `tenantlink serve`: a second server on it would replace the first one's demo connection
 * (with its synced records and webhook cursors) and its sandbox before failing to listen. The server takes this lock
 * before it changes anything. CLI commands do not take it: they work beside a running server.
 */

export const SERVE_LOCK_FILE = 'serve.lock';

/** What the lock file holds: which process serves from the folder, and where. */
export interface ServeLockHolder {
  pid: number;
  hostname: string;
  host: string;
  /** The port asked for until the server listens, then the port it listens on. */
  port: number;
  startedAt: string;
  /** Where the server listens, once it does. */
  url?: string;
}

export interface DataFolderLock {
  readonly file: string;
  /** Records where the server listens, so that a second server can say which one holds the folder. */
  listening(url: string): void;
  /** Removes the lock file if it is still ours. Safe to call more than once. */
  release(): void;
}

/** Most rounds of "create, find it held by a dead process, take it over" before giving up. */
const MAX_ATTEMPTS = 50;
/** A takeover guard older than this was left by a process that died within the few lines that hold it. */
const GUARD_STALE_MS = 10_000;

/**
 * Takes the data folder for this server, or fails with DATA_FOLDER_IN_USE naming the process that holds it. A lock
 * left by a process that is gone (same host, pid no longer alive) is taken over.
 *
 * The lock file appears with its whole content at once: it is written to a temporary file and then hard-linked to its
 * name, which fails when the name exists (an exclusive create, like `open(wx)`, without a moment in which the file is
 * empty). Taking over a stale lock is serialised by a guard file (`serve.lock.takeover`, created with `wx`), under
 * which the lock is removed only if it still holds what we judged stale. The race we accept: when a process dies
 * inside the guard (a few lines, no I/O wait), its guard is removed after 10 s, and two starters that both judged
 * that guard stale at the same moment could both remove the lock; that needs a crash and two simultaneous starts.
 */
export async function lockDataFolder(dataDir: string, where: { host: string; port: number }): Promise<DataFolderLock> {
  const dir = resolve(dataDir);
  const file = join(dir, SERVE_LOCK_FILE);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw lockFileError(dir, file, error);
  }
  makeDataFolderPrivate(dir);
  let holder: ServeLockHolder = {
    pid: process.pid,
    hostname: hostname(),
    host: where.host,
    port: where.port,
    startedAt: new Date().toISOString(),
  };
  let written = serialise(holder);
  for (let attempt = 1; ; attempt++) {
    if (createExclusively(dir, file, written)) break;
    const current = readLock(file);
    if (attempt >= MAX_ATTEMPTS || (current !== undefined && !isStale(current.holder)))
      throw dataFolderInUse(dir, file, current?.holder);
    // A stale lock is removed and the create tried again; a lock already gone (its holder just released it) too.
    if (current !== undefined && !takeOver(dir, file, current.raw)) await sleep(20);
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (readLock(file)?.raw === written) rmSync(file, { force: true });
    } catch {
      // It also runs as the process exits, where a throw helps nobody; a lock left over is taken over later.
    }
  };
  // A server that crashes without close() still frees the folder; a killed one leaves a stale lock, taken over later.
  process.on('exit', release);
  return {
    file,
    listening(url) {
      if (released || readLock(file)?.raw !== written) return;
      const parsed = new URL(url);
      const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
      const next = { ...holder, port, url };
      let temp: string | undefined;
      try {
        temp = writeTemp(file, serialise(next));
        renameSync(temp, file);
        temp = undefined;
        holder = next;
        written = serialise(next);
      } catch {
        // The lock still holds the port asked for; only the message a second server prints is less precise.
      } finally {
        if (temp !== undefined) rmSync(temp, { force: true });
      }
    },
    release,
  };
}

/** `host:port`, with an IPv6 host in brackets. */
export function hostAndPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function serialise(holder: ServeLockHolder): string {
  return `${JSON.stringify(holder)}\n`;
}

function writeTemp(file: string, content: string): string {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

/** Creates the lock file with this content; false when it already exists. */
function createExclusively(dir: string, file: string, content: string): boolean {
  let temp: string | undefined;
  try {
    temp = writeTemp(file, content);
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockFileError(dir, file, error);
  } finally {
    if (temp !== undefined) rmSync(temp, { force: true });
  }
}

/** The lock file's text and, when it is a lock we understand, its holder; undefined when there is no lock file. */
function readLock(file: string): { raw: string; holder: ServeLockHolder | undefined } | undefined {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    // A lock we may not read (another user's) is held by someone we cannot identify.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : { raw: '', holder: undefined };
  }
  try {
    const data = JSON.parse(raw) as Partial<ServeLockHolder>;
    const valid =
      Number.isInteger(data.pid) &&
      (data.pid as number) > 0 &&
      typeof data.hostname === 'string' &&
      typeof data.host === 'string' &&
      typeof data.port === 'number' &&
      typeof data.startedAt === 'string';
    return { raw, holder: valid ? (data as ServeLockHolder) : undefined };
  } catch {
    return { raw, holder: undefined };
  }
}

/** Held by a process that is gone. A lock from another host, or one we cannot read, is never judged stale. */
function isStale(holder: ServeLockHolder | undefined): boolean {
  return holder !== undefined && holder.hostname === hostname() && !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user
  }
}

/** Removes the stale lock if it still holds `staleRaw`; false when another starter is taking it over right now. */
function takeOver(dir: string, file: string, staleRaw: string): boolean {
  const guard = `${file}.takeover`;
  try {
    closeSync(openSync(guard, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockFileError(dir, guard, error);
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) rmSync(guard, { force: true });
    } catch {
      // removed by its holder meanwhile
    }
    return false;
  }
  try {
    if (readLock(file)?.raw === staleRaw) rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}

function dataFolderInUse(dir: string, file: string, holder: ServeLockHolder | undefined): TenantlinkError {
  const fix =
    'Use that server, or stop it first; to run a second server beside it, give this one another data folder ' +
    '(--data DIR or TENANTLINK_DATA) and a free port (--port).';
  if (holder === undefined)
    return new TenantlinkError(
      'DATA_FOLDER_IN_USE',
      `The data folder ${dir} has a server lock file (${file}) that tenantlink cannot read, so another tenantlink ` +
        `serve may be using the folder; this server did not start and changed nothing. If no tenantlink serve uses ` +
        `this folder, delete ${file}; otherwise start this server with another data folder (--data DIR or TENANTLINK_DATA).`,
    );
  const here = holder.hostname === hostname();
  const serving = holder.url
    ? `serving ${holder.url}`
    : `starting on ${hostAndPort(holder.host, holder.port)}${holder.port === 0 ? ' (any free port)' : ''}`;
  return new TenantlinkError(
    'DATA_FOLDER_IN_USE',
    `The data folder ${dir} is in use by another tenantlink serve: process ${holder.pid}` +
      `${here ? '' : ` on ${holder.hostname}`}, ${serving}, since ${holder.startedAt}. One data folder serves one ` +
      `server, so this one did not start and changed nothing. ${fix} ` +
      (here
        ? `(If process ${holder.pid} is not a tenantlink server, the lock is left over: delete ${file}.)`
        : `(If it no longer runs on ${holder.hostname}, delete ${file}.)`),
  );
}

function lockFileError(dir: string, file: string, error: unknown): TenantlinkError {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return new TenantlinkError(
    'DATA_FOLDER_UNWRITABLE',
    `Cannot create ${file}, the server's lock on its data folder (${code}). Make sure the data folder ${dir} (--data or ` +
      'TENANTLINK_DATA) can be created and written by the user running tenantlink.',
    { cause: error },
  );
}
