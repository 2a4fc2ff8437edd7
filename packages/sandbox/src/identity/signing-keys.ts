import { createHash, X509Certificate } from 'node:crypto';
import { exportJWK, importPKCS8, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { KeyAndCertificate } from '../tls/x509.js';

function base64url(buffer: Buffer): string {
  return buffer.toString('base64url');
}

/** The key the authority signs tokens with, published in the JWKS like Entra's (kid = x5t, x5c). */
export class SigningKeys {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly kid: string,
    readonly jwk: JWK,
  ) {}

  static async load(pair: KeyAndCertificate): Promise<SigningKeys> {
    const privateKey = await importPKCS8(pair.keyPem, 'RS256', { extractable: true });
    const cert = new X509Certificate(pair.certPem);
    const x5t = base64url(createHash('sha1').update(cert.raw).digest());
    const publicJwk = await exportJWK(cert.publicKey);
    const jwk: JWK = {
      kty: 'RSA',
      use: 'sig',
      kid: x5t,
      x5t,
      n: publicJwk.n!,
      e: publicJwk.e!,
      x5c: [cert.raw.toString('base64')],
    };
    return new SigningKeys(privateKey, x5t, jwk);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.jwk] };
  }

  /** Signs a JWT with Entra's header shape: typ, alg RS256, x5t (v1 tokens) and kid. */
  async sign(payload: JWTPayload, withX5t: boolean): Promise<string> {
    const header = withX5t
      ? { typ: 'JWT', alg: 'RS256', x5t: this.kid, kid: this.kid }
      : { typ: 'JWT', alg: 'RS256', kid: this.kid };
    return new SignJWT(payload).setProtectedHeader(header).sign(this.privateKey);
  }
}
