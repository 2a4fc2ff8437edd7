const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Entra shows a secret's Secret ID (a GUID) beside its Value; the Value is what signs in. */
export function looksLikeSecretId(secret: string): boolean {
  return GUID.test(secret.trim());
}
