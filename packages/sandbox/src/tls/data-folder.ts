import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
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

async function writePair(dir: string, base: string, pair: KeyAndCertificate): Promise<void> {
  const keyFile = join(dir, `${base}-key.pem`);
  await writeFile(keyFile, pair.keyPem, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  await writeFile(join(dir, `${base}.pem`), pair.certPem);
}

/**
 * Loads the sandbox CA and its server certificate from the data folder, making them on first start (or when the
 * server certificate is about to expire). The CA is kept, so a client that trusts it once keeps trusting it.
 */
export async function ensureTlsMaterial(dataDir: string): Promise<TlsMaterial> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
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
  const existing = await readPair(dir, 'token-signing');
  if (existing && certificateStillFits(existing.certPem, 30)) return existing;
  const pair = await createSelfSignedCertificate('tenantlink sandbox token signing', 1825);
  await writePair(dir, 'token-signing', pair);
  return pair;
}
