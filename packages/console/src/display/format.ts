import type { AuthMode, Cloud, IntegrationAuthMode } from '../api';

const DAY = 24 * 60 * 60 * 1000;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
// Expiry dates are calendar days entered as such; shown in UTC so they do not move a day in western time zones.
const calendarDay = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

export function formatDay(iso: string): string {
  return calendarDay.format(new Date(iso));
}

export function daysUntil(iso: string, now = Date.now()): number {
  return Math.ceil((new Date(iso).getTime() - now) / DAY);
}

/** A count and its noun: `1 error`, `2 errors`, `1,204 objects`; give the plural when it is not the noun plus s. */
export function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${formatCount(count)} ${count === 1 ? word : pluralWord}`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const RELATIVE_STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** How long ago (or how soon) a moment is, in words: `just now`, `3 minutes ago`, `yesterday`, `in 2 hours`. */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  if (Math.abs(seconds) < 45) return 'just now';
  let value = seconds;
  for (const [unit, size] of RELATIVE_STEPS) {
    const rounded = Math.round(value);
    if (Math.abs(rounded) < size) return relative.format(rounded, unit);
    value /= size;
  }
  return formatDateTime(iso);
}

/** A long ID cut to its start and end (`3f2504e0…3301`), enough to tell IDs apart; short ones stay whole. */
export function shortId(id: string): string {
  return id.length <= 16 ? id : `${id.slice(0, 8)}…${id.slice(-4)}`;
}

export const AUTH_MODE_LABELS: Record<AuthMode, string> = {
  secret: 'Client secret',
  certificate: 'Certificate',
  delegated: 'Delegated (signed-in user)',
  'multi-tenant': 'Multi-tenant app',
};

export const INTEGRATION_MODE_LABELS: Record<IntegrationAuthMode, string> = {
  'multi-tenant': 'Admin consent (multi-tenant)',
  delegated: 'User sign-in (delegated)',
};

const CLOUD_LABELS: Record<string, string> = {
  global: 'Global (Microsoft 365)',
  usgov: 'US Government (GCC High)',
  'usgov-dod': 'US Government (DoD)',
  china: 'China (21Vianet)',
};

export function cloudLabel(cloud: Cloud): string {
  return typeof cloud === 'string' ? (CLOUD_LABELS[cloud] ?? cloud) : `${cloud.authorityHost}, ${cloud.graphEndpoint}`;
}

const counts = new Intl.NumberFormat();
const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export function formatCount(value: number): string {
  return counts.format(value);
}

export function formatRate(objectsPerSecond: number): string {
  return `${rate.format(objectsPerSecond)} objects/s`;
}

/** A span of time in seconds, to the second under an hour: `45 s`, `3 min 5 s`, `2 h 1 min`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return total % 60 === 0 ? `${minutes} min` : `${minutes} min ${total % 60} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/** A short span of time given in milliseconds: `85 ms`, `1.2 s`, then as formatDuration. */
export function formatMilliseconds(ms: number): string {
  const value = Math.max(0, Math.round(ms));
  if (value < 1000) return `${value} ms`;
  if (value < 60_000) return `${rate.format(value / 1000)} s`;
  return formatDuration(value / 1000);
}
