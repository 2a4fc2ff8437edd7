/** Field names (lower case, without `_` and `-`) whose value is a secret wherever it appears. */
const SECRET_FIELDS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'clientsecret',
  'secretvalue',
  'privatekey',
  'privatekeypem',
  'assertion',
  'clientassertion',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'tokencache',
  'code',
  'codeverifier',
  'devicecode',
  'apikey',
  'xapikey',
  'masterkey',
  'tenantlinkmasterkey',
  'clientstate',
  'connectionstring',
  'databaseurl',
  'sig',
  'tempauth',
  'pfx',
]);
const SECRET_FIELD_SUFFIXES = ['secret', 'password', 'token', 'privatekey', 'apikey', 'assertion', 'passphrase'];

/** `code` is also the name of tenantlink's error codes: it is only a secret inside OAuth-shaped objects. */
const CODE_FIELD = 'code';

/** Is a field of this name a secret, at any depth of a log record? */
export function isSecretField(name: string): boolean {
  const normal = name.toLowerCase().replace(/[-_]/g, '');
  if (normal === CODE_FIELD) return false;
  return SECRET_FIELDS.has(normal) || SECRET_FIELD_SUFFIXES.some((suffix) => normal.endsWith(suffix));
}

/**
 * The commonest secret field names as pino `redact` paths, on the first two levels of a record: a backstop behind the
 * formatter, which already redacts them at any depth. Deeper wildcards are left out because each level multiplies
 * pino's redaction cost (three levels of these names cost about 60 µs a line).
 */
export function redactPaths(): string[] {
  const names = [
    'authorization',
    'Authorization',
    'password',
    'clientSecret',
    'client_secret',
    'privateKey',
    'assertion',
    'client_assertion',
    'accessToken',
    'access_token',
    'refreshToken',
    'refresh_token',
    'id_token',
    'tokenCache',
  ];
  return names.flatMap((name) => [name, `*.${name}`]);
}
