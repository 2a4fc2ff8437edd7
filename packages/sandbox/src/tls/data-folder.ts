import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  certificateStillFits,
  createCertificateAuthority,
  createSelfSignedCertificate,
  createServerCertificate,
  type KeyAndCertificate,
} from './x509.js';

export interface TlsMaterial {
  caCertFile: string;
  caCertPem: string;
  keyPem: string;
  certPem: string;
}

const SERVER_NAMES = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] };

async function readPair(dir: string, base: string): Promise<KeyAndCertificate | undefined> {
  const keyFile = join(dir, `${base}-key.pem`);
  const certFile = join(dir, `${base}.pem`);
  if (!existsSync(keyFile) || !existsSync(certFile)) return undefined;
  return { keyPem: await readFile(keyFile, 'utf8'), certPem: await readFile(certFile, 'utf8') };
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode });
  await rename(temporary, file);
}

async function writePair(dir: string, base: string, pair: KeyAndCertificate): Promise<void> {
  await writeAtomically(join(dir, `${base}-key.pem`), pair.keyPem, 0o600);
  await writeAtomically(join(dir, `${base}.pem`), pair.certPem, 0o644);
}

const LOCK_STALE_MS = 30_000;

/**
 * Runs `fn` holding a lock on the data folder, so that sandboxes starting together on one folder do not each make
 * a CA and end up trusting different ones. The lock is a directory (created atomically); a stale one is broken.
 */
async function withFolderLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, Math.min(50 * (attempt + 1), 500)));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Loads the sandbox CA and its server certificate from the data folder, making them on first start (or when the
 * server certificate is about to expire). The CA is kept, so a client that trusts it once keeps trusting it.
 */
export async function ensureTlsMaterial(dataDir: string): Promise<TlsMaterial> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
  return withFolderLock(dir, () => loadOrCreateTls(dir));
}

async function loadOrCreateTls(dir: string): Promise<TlsMaterial> {
  let ca = await readPair(dir, 'ca');
  if (!ca || !certificateStillFits(ca.certPem, 30)) {
    ca = await createCertificateAuthority('tenantlink sandbox CA', 3650);
    await writePair(dir, 'ca', ca);
  }
  let server = await readPair(dir, 'tls');
  const sans = [...SERVER_NAMES.dns, ...SERVER_NAMES.ip];
  if (!server || !certificateStillFits(server.certPem, 7, sans) || !signedBy(server.certPem, ca.certPem)) {
    server = await createServerCertificate(ca, SERVER_NAMES, 397);
    await writePair(dir, 'tls', server);
  }
  return { caCertFile: join(dir, 'ca.pem'), caCertPem: ca.certPem, keyPem: server.keyPem, certPem: server.certPem };
}

function signedBy(certPem: string, caPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkIssued(new X509Certificate(caPem));
  } catch {
    return false;
  }
}

/** The RSA key that signs tokens, with a self-signed certificate for the JWKS `x5c`; kept across restarts. */
export async function ensureSigningKey(dataDir: string): Promise<KeyAndCertificate> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
  return withFolderLock(dir, async () => {
    const existing = await readPair(dir, 'token-signing');
    if (existing && certificateStillFits(existing.certPem, 30)) return existing;
    const pair = await createSelfSignedCertificate('tenantlink sandbox token signing', 1825);
    await writePair(dir, 'token-signing', pair);
    return pair;
  });
}
