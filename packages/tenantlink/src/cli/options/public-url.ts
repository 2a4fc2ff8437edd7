import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from '@commander-js/extra-typings';
import { CONNECT_CALLBACK_PATH, connectRedirectUri } from '../../connect/public-url.js';
import { TenantlinkError } from '../../errors.js';
import { SERVE_LOCK_FILE, type ServeLockHolder } from '../../server/data-folder-lock.js';
import { holderIsGone } from '../../sync/lease.js';
import type { CliIo } from '../context.js';

/** `--public-url URL`: where browsers and Microsoft reach `tenantlink serve`. */
export function publicUrlOption(description: string) {
  return new Option('--public-url <url>', description);
}

/** `--public-url`, else TENANTLINK_PUBLIC_URL (an empty one is unset); undefined when neither is given. */
export function givenPublicUrl(
  option: string | undefined,
  env: CliIo['env'],
): { url: string; from: '--public-url' | 'TENANTLINK_PUBLIC_URL' } | undefined {
  if (option !== undefined) return { url: option, from: '--public-url' };
  const fromEnv = env.TENANTLINK_PUBLIC_URL?.trim();
  return fromEnv ? { url: fromEnv, from: 'TENANTLINK_PUBLIC_URL' } : undefined;
}

/** The Web redirect URI integrations register, and what it was learnt from. */
export interface KnownRedirectUri {
  uri: string;
  from: string;
}

/**
 * The redirect URI for the server this CLI's data folder belongs to: from `--public-url`, else TENANTLINK_PUBLIC_URL,
 * else the address of the `tenantlink serve` running on the data folder; undefined when none of them says.
 */
export function integrationRedirectUri(
  option: string | undefined,
  env: CliIo['env'],
  dataDir: string,
): KnownRedirectUri | undefined {
  const given = givenPublicUrl(option, env);
  if (given) {
    try {
      return { uri: connectRedirectUri(given.url), from: given.from };
    } catch (error) {
      throw new TenantlinkError('INVALID_INPUT', `${given.from}: ${(error as Error).message}`);
    }
  }
  const running = runningServerUrl(dataDir);
  if (running === undefined) return undefined;
  return {
    uri: connectRedirectUri(running),
    from: 'the tenantlink serve running on this data folder; if it is reached at another address, pass --public-url',
  };
}

/** What to register when the public URL is not known here: its form, and what it depends on. */
export const UNKNOWN_REDIRECT_URI = {
  form: `<public URL>${CONNECT_CALLBACK_PATH}`,
  why:
    'The public URL is where browsers and Microsoft reach tenantlink serve, so it depends on where the server is ' +
    'reached: its --public-url, else its listen address, such as http://127.0.0.1:3000. No server runs on this data ' +
    'folder now: pass --public-url URL, or set TENANTLINK_PUBLIC_URL, to print it exactly.',
};

/**
 * The URL the server on this data folder answers its own redirect URI with, from its lock file: the listen address,
 * with `localhost` for a wildcard or IPv6 loopback address as the server itself says (`listenUrl` in server.ts).
 * Undefined when no server runs there (no lock, not listening yet, or left by a process that is gone).
 */
function runningServerUrl(dataDir: string): string | undefined {
  let holder: Partial<ServeLockHolder>;
  try {
    holder = JSON.parse(readFileSync(join(dataDir, SERVE_LOCK_FILE), 'utf8')) as Partial<ServeLockHolder>;
  } catch {
    return undefined;
  }
  if (typeof holder.url !== 'string' || holderIsGone(`${holder.hostname}:${holder.pid}`)) return undefined;
  try {
    const url = new URL(holder.url);
    if (['0.0.0.0', '::', '::1'].includes(holder.host ?? '') || ['[::]', '[::1]'].includes(url.hostname))
      url.hostname = 'localhost';
    return url.origin;
  } catch {
    return undefined;
  }
}
