import { REDACTED } from './redacted.js';
import { encodedForms, MIN_REGISTERED_SECRET_LENGTH, SecretMatcher } from './secret-matcher.js';
import { defaultSecretRegistry, type SecretRegistry } from './secret-registry.js';

/** Replaces each of the given secrets (and its JSON-escaped and percent-encoded forms) in the text. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const long = secrets.filter((s) => typeof s === 'string' && s.length >= MIN_REGISTERED_SECRET_LENGTH);
  let result = new SecretMatcher(long).replace(text, REDACTED);
  // Short secrets are still replaced when asked for explicitly, just without the prefix index.
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length >= MIN_REGISTERED_SECRET_LENGTH) continue;
    for (const form of encodedForms(secret)) result = result.split(form).join(REDACTED);
  }
  return result;
}

const SECRET_PARAMETER_NAMES =
  'client_secret|client_assertion|assertion|refresh_token|access_token|id_token|password|code_verifier|device_code|' +
  'token|tempauth|api_key|apikey';
/** Too common as words to replace in free text: only replaced as query or form parameters. */
const SECRET_QUERY_ONLY_PARAMETER_NAMES = 'code|sig|key';

const CREDENTIAL_PATTERNS: Array<[RegExp, string]> = [
  // name=value in URLs, form bodies and free text
  [new RegExp(`(^|[?&\\s"'(,;])(${SECRET_PARAMETER_NAMES})=([^&\\s"'\\\\,;)]+)`, 'gi'), `$1$2=${REDACTED}`],
  [new RegExp(`([?&])(${SECRET_QUERY_ONLY_PARAMETER_NAMES})=([^&\\s"'\\\\,;)#]+)`, 'gi'), `$1$2=${REDACTED}`],
  // "name":"value" inside a JSON text that was logged as a string (quotes escaped in the line) or as JSON
  [
    /((?:\\?")(?:client_?secret|clientSecret|client_assertion|refresh_?token|refreshToken|access_?token|accessToken|id_?token|idToken|password|private_?key|privateKey)\\?"\s*:\s*\\?")((?:[^"\\]|\\(?!"))*)/gi,
    `$1${REDACTED}`,
  ],
  // Authorization header values
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{16,}=*/g, `$1$2${REDACTED}`],
  // JWTs (access tokens, id tokens, client assertions)
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // tenantlink's own secrets: webhook signing secrets and API keys. No word boundary before them: percent-encoding
  // (`%20tlk_…`) puts a letter or digit there. `tlk_` with fewer than 8 characters is kept: the first 6 are an API
  // key's listed, non-secret prefix.
  [/whsec_[A-Za-z0-9_-]+/g, `whsec_${REDACTED}`],
  [/tlk_[A-Za-z0-9_-]{8,}/g, `tlk_${REDACTED}`],
  // PEM private keys, with real or JSON-escaped newlines
  [
    /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    `-----BEGIN $1PRIVATE KEY-----${REDACTED}-----END $1PRIVATE KEY-----`,
  ],
];

/** Replaces text shaped like a credential: Bearer/Basic values, JWTs, private keys, `client_secret=...` and the like. */
export function scrubCredentialPatterns(text: string): string {
  let result = text;
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/** The last layer, applied to each finished log line: the registry's secrets, then credential-shaped text. */
export function scrubLogLine(line: string, secrets: SecretRegistry = defaultSecretRegistry): string {
  return scrubCredentialPatterns(secrets.scrub(line));
}
