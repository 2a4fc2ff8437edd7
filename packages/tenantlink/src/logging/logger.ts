import { pino } from 'pino';
import { REDACTED } from './redacted.js';
import { sanitizeValue } from './sanitizer.js';
import { scrubLogLine } from './scrub.js';
import { redactPaths } from './secret-fields.js';
import { defaultSecretRegistry, type SecretRegistry } from './secret-registry.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface CreateLoggerOptions {
  /** Default 'info'. */
  level?: LogLevel;
  /** A stream (anything with write(string)), a file path, or a file descriptor. Default: standard output. */
  destination?: pino.DestinationStream | string | number;
  /** Fields on every line, e.g. `{ service: 'tenantlink' }`. Sanitized like everything else. */
  base?: Record<string, unknown>;
  /** The secrets replaced in every line. Default: the process's `defaultSecretRegistry`, which vaults register into. */
  secrets?: SecretRegistry;
}

export type Logger = pino.Logger;

function openDestination(destination: CreateLoggerOptions['destination']): pino.DestinationStream {
  if (destination === undefined) return pino.destination({ dest: 1, sync: false });
  if (typeof destination === 'string')
    return pino.destination({ dest: destination, mkdir: true, sync: false, mode: 0o600 });
  if (typeof destination === 'number') return pino.destination({ dest: destination, sync: false });
  return destination;
}

/** A pino logger whose every line is sanitized field by field, then scrubbed of secrets as text. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = options.secrets ?? defaultSecretRegistry;
  const passThrough = (value: unknown) => value;
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.base === undefined ? {} : { base: sanitizeValue(options.base) as Record<string, unknown> }),
      formatters: {
        log: (record) => {
          const clean = sanitizeValue(record);
          return typeof clean === 'object' && clean !== null && !Array.isArray(clean)
            ? (clean as Record<string, unknown>)
            : { value: clean };
        },
        bindings: (bindings) => sanitizeValue(bindings) as pino.Bindings,
      },
      // Errors are already reduced to code/message/status/request-id by the log formatter.
      serializers: { err: passThrough, error: passThrough },
      redact: { paths: redactPaths(), censor: REDACTED },
      hooks: { streamWrite: (line) => scrubLogLine(line, secrets) },
    },
    openDestination(options.destination),
  );
}
