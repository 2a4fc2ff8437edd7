import { readFileSync, statSync } from 'node:fs';
import { isInputError, TenantlinkError } from '../errors.js';

/** Exit codes: 0 done, 1 the operation failed, 2 the command was used wrongly. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {}

/**
 * Reads a secret from a file (never from the command line, where it would land in shell history and process
 * lists). A trailing newline is dropped; an empty or missing file is a usage error that does not echo anything.
 */
export function readSecretFile(path: string): string {
  let text: string;
  try {
    if (statSync(path).size > 64 * 1024)
      throw new UsageError(`The secret file ${path} is larger than 64 KB; is it the right file?`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `Cannot read the secret file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`,
    );
  }
  const secret = text.replace(/\r?\n$/, '');
  if (!secret.trim()) throw new UsageError(`The secret file ${path} is empty.`);
  return secret;
}

/** Reads a secret from standard input (piped or typed), up to the first newline or the end. */
export async function readSecretStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    if (Buffer.concat(chunks).includes(10)) break;
  }
  const secret = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!secret.trim()) throw new UsageError('No secret was given on standard input.');
  return secret;
}

export interface Output {
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Prints a result: the JSON value with --json, else the human lines. */
export function print(output: Output, value: unknown, human: () => string[]): void {
  if (output.json) output.out(JSON.stringify(value, null, 2));
  else for (const line of human()) output.out(line);
}

/** Prints a failure with what happened, why and the fix; returns the exit code. */
export function printError(output: Output, err: unknown): number {
  if (err instanceof UsageError) {
    if (output.json) output.out(JSON.stringify({ error: { code: 'USAGE', message: err.message } }));
    else output.err(`tenantlink: ${err.message}`);
    return EXIT.usage;
  }
  if (err instanceof TenantlinkError) {
    if (output.json) {
      output.out(JSON.stringify({ error: err.toJSON() }, null, 2));
    } else {
      output.err(`tenantlink: ${err.message}`);
      if (err.microsoftCode)
        output.err(`  Microsoft says: ${err.microsoftCode}${err.microsoftMessage ? ` ${err.microsoftMessage}` : ''}`);
      if (err.diagnosis) {
        output.err(`  What it means: ${err.diagnosis.meaning}`);
        output.err(`  How to fix it: ${err.diagnosis.fix}`);
      }
      if (err.requestId) output.err(`  Request ID (for Microsoft support): ${err.requestId}`);
    }
    // Refused input (checked before any call to Microsoft, so without a status) is a usage error.
    return isInputError(err) ? EXIT.usage : EXIT.failed;
  }
  const message = (err as Error)?.message ?? String(err);
  if (output.json) output.out(JSON.stringify({ error: { code: 'UNEXPECTED', message } }));
  else output.err(`tenantlink: unexpected error: ${message}`);
  return EXIT.failed;
}
