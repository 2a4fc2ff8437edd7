/**
 * Logging that cannot leak secrets, in layers (each one alone should suffice; together a forgotten case still holds):
 *
 * 1. Allow-lists (`allow-lists.ts`, one of headers and one of query parameters, for every log line of the process):
 *    request and response objects keep only known-safe fields, headers and query parameters; everything else becomes
 *    "REDACTED", and bodies are never logged. URLs anywhere keep only safe query parameters, and their paths are
 *    logged as route templates (`/users/{id}/messages`), never raw.
 * 2. Deny-list by field name, at any depth: clientSecret, client_secret, password, refresh_token, authorization, ...
 *    (plus pino `redact` paths for the same names on the first levels).
 * 3. Errors are logged as code, message, status and request-id only (no stack, no cause, no attached request).
 * 4. The finished line is scrubbed: every value in the logger's SecretRegistry (vaults register each secret they
 *    encrypt or decrypt) and anything shaped like a credential (Bearer tokens, JWTs, private keys, `client_secret=...`,
 *    webhook secrets `whsec_...`, API keys `tlk_...`) is replaced.
 */
export { type CreateLoggerOptions, createLogger, type Logger, type LogLevel } from './logger.js';
export { REDACTED } from './redacted.js';
export { routeTemplate, templatePath } from './route-template.js';
export { type HeaderSource, sanitizeError, sanitizeHeaders, sanitizeUrl, sanitizeValue } from './sanitizer.js';
export { scrubCredentialPatterns, scrubLogLine, scrubSecrets } from './scrub.js';
export { MIN_REGISTERED_SECRET_LENGTH } from './secret-matcher.js';
export { defaultSecretRegistry, SecretRegistry } from './secret-registry.js';
