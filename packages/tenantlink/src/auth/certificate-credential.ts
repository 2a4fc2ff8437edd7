import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { TenantlinkError } from '../errors.js';

/** A certificate credential as an administrator provides it: PEM key and PEM certificate (or one file with both). */
export interface CertificatePemInput {
  certificatePem: string;
  /** PKCS#8 or PKCS#1 PEM; may be omitted when `certificatePem` holds the key block too. */
  privateKeyPem?: string;
}

/** What MSAL needs, plus both thumbprints for display and matching against the portal. */
export interface CertificateCredential {
  /** SHA-1 thumbprint, upper-case hex: what Certificates & secrets shows. */
  thumbprint: string;
  /** SHA-256 thumbprint, upper-case hex: what MSAL signs with (`x5t#S256`). */
  thumbprintSha256: string;
  /** PKCS#8 PEM. */
  privateKey: string;
  notAfter: Date;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_BLOCK =
  /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/** SHA-1 and SHA-256 thumbprints of a PEM certificate (hash of its DER bytes), upper-case hex as Azure shows them. */
export function certificateThumbprints(certificatePem: string): { thumbprint: string; thumbprintSha256: string } {
  const block = CERT_BLOCK.exec(certificatePem)?.[0];
  if (!block) throw invalid('No "BEGIN CERTIFICATE" block was found in the certificate PEM.');
  let der: Buffer;
  try {
    der = new X509Certificate(block).raw;
  } catch {
    throw invalid('The certificate PEM could not be parsed.');
  }
  return {
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    thumbprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
  };
}

/** Validates a PEM certificate and key, checks they belong together, and prepares them for MSAL. */
export function certificateCredential(input: CertificatePemInput): CertificateCredential {
  const certBlock = CERT_BLOCK.exec(input.certificatePem)?.[0];
  if (!certBlock) throw invalid('No "BEGIN CERTIFICATE" block was found in the certificate PEM.');
  const keyBlock = KEY_BLOCK.exec(input.privateKeyPem ?? '')?.[0] ?? KEY_BLOCK.exec(input.certificatePem)?.[0];
  if (!keyBlock) throw invalid('No "BEGIN PRIVATE KEY" block was found: provide the private key as PEM.');
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyBlock);
  } catch {
    throw invalid('The private key could not be read (encrypted keys must be decrypted first).');
  }
  const certificate = new X509Certificate(certBlock);
  const certKey = createPublicKey(certificate.publicKey.export({ type: 'spki', format: 'pem' }));
  const ownKey = createPublicKey(key);
  if (!certKey.equals(ownKey))
    throw new TenantlinkError('CERTIFICATE_KEY_MISMATCH', 'The private key does not belong to the certificate.', {
      diagnosis: {
        meaning: 'The private key and the certificate are from different key pairs.',
        fix: 'Provide the private key that was generated with this certificate (the .pem/.key next to the .cer you uploaded to Certificates & secrets).',
      },
    });
  return {
    ...certificateThumbprints(certBlock),
    privateKey: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    notAfter: new Date(certificate.validTo),
  };
}

function invalid(message: string): TenantlinkError {
  return new TenantlinkError('CERTIFICATE_UNREADABLE', message, {
    diagnosis: {
      meaning: 'The certificate or private key is not valid PEM.',
      fix: 'Provide the certificate as PEM (-----BEGIN CERTIFICATE-----) and its unencrypted private key as PEM (-----BEGIN PRIVATE KEY-----).',
    },
  });
}
