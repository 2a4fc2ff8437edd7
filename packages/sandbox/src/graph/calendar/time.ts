import type { GraphCall } from '../context.js';
import { GraphError } from '../errors.js';

/**
 * Time zones and Outlook's `dateTimeTimeZone`: Windows names (what Exchange stores) and IANA names (which Graph also
 * accepts) map to an IANA zone that Intl can compute offsets for. Times are held as UTC instants (ms); a "wall" time
 * is a local clock reading encoded as if it were UTC, so date arithmetic on it never crosses a DST jump.
 */

export const DAY_MS = 86_400_000;

/** The Windows zone names the sandbox understands, with the IANA zone Windows' own mapping gives for each. */
const WINDOWS_ZONES: Record<string, string> = {
  utc: 'UTC',
  'pacific standard time': 'America/Los_Angeles',
  'mountain standard time': 'America/Denver',
  'us mountain standard time': 'America/Phoenix',
  'central standard time': 'America/Chicago',
  'eastern standard time': 'America/New_York',
  'atlantic standard time': 'America/Halifax',
  'alaskan standard time': 'America/Anchorage',
  'hawaiian standard time': 'Pacific/Honolulu',
  'e. south america standard time': 'America/Sao_Paulo',
  'gmt standard time': 'Europe/London',
  'greenwich standard time': 'Atlantic/Reykjavik',
  'w. europe standard time': 'Europe/Berlin',
  'romance standard time': 'Europe/Paris',
  'central europe standard time': 'Europe/Budapest',
  'central european standard time': 'Europe/Warsaw',
  'fle standard time': 'Europe/Kiev',
  'gtb standard time': 'Europe/Bucharest',
  'russian standard time': 'Europe/Moscow',
  'south africa standard time': 'Africa/Johannesburg',
  'arabian standard time': 'Asia/Dubai',
  'india standard time': 'Asia/Kolkata',
  'singapore standard time': 'Asia/Singapore',
  'china standard time': 'Asia/Shanghai',
  'tokyo standard time': 'Asia/Tokyo',
  'korea standard time': 'Asia/Seoul',
  'aus eastern standard time': 'Australia/Sydney',
  'new zealand standard time': 'Pacific/Auckland',
};

/** A time zone as the client named it, and the IANA zone used to compute with it. */
export interface Zone {
  name: string;
  iana: string;
}

export const UTC: Zone = { name: 'UTC', iana: 'UTC' };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(iana: string): Intl.DateTimeFormat | undefined {
  let f = formatters.get(iana);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: iana,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      return undefined;
    }
    formatters.set(iana, f);
  }
  return f;
}

/** A Windows or IANA zone name, or undefined when neither Exchange's list nor Intl knows it. */
export function findZone(name: string | undefined | null): Zone | undefined {
  if (typeof name !== 'string' || name.trim() === '') return undefined;
  const windows = WINDOWS_ZONES[name.trim().toLowerCase()];
  if (windows) return { name, iana: windows };
  // Intl accepts any IANA name (and a few aliases); Windows display names like "Greenwich Mean Time" fail here.
  if (!name.includes('/') && name.toUpperCase() !== 'UTC' && name.toUpperCase() !== 'GMT') return undefined;
  return formatter(name) ? { name, iana: name } : undefined;
}

/** Graph's answer to a zone it does not know (observed: microsoft-graph-docs#4758). */
export function zoneNotSupported(name: unknown): GraphError {
  const shown = typeof name === 'string' ? name : '';
  return new GraphError(
    400,
    'TimeZoneNotSupportedException',
    `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${shown}'.`,
  );
}

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
export function offsetAt(instant: number, iana: string): number {
  if (iana === 'UTC') return 0;
  const f = formatter(iana);
  if (!f) return 0;
  const whole = Math.floor(instant / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(whole))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
  return wall - whole;
}

export function toWall(instant: number, zone: Zone): number {
  return instant + offsetAt(instant, zone.iana);
}

/** The instant a wall-clock reading names in a zone. */
export function fromWall(wall: number, zone: Zone): number {
  const first = wall - offsetAt(wall, zone.iana);
  return wall - offsetAt(first, zone.iana);
}

/** Outlook's form: seven fractional digits, no zone suffix ("2019-03-15T12:00:00.0000000"). */
export function formatWall(wall: number): string {
  const iso = new Date(wall).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}0000`;
}

export function dateOfWall(wall: number): string {
  return new Date(wall).toISOString().slice(0, 10);
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses ISO 8601 text: the wall-clock reading and, when the text carries one, its explicit UTC offset. */
export function parseDateTime(text: unknown): { wall: number; offsetMs: number | null } | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0));
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, ms);
  const check = new Date(wall);
  if (check.getUTCMonth() !== month! - 1 || check.getUTCDate() !== day! || hour! > 23 || minute! > 59 || second! > 59) {
    return undefined;
  }
  let offsetMs: number | null = null;
  const zone = m[8];
  if (zone) {
    if (zone.toUpperCase() === 'Z') offsetMs = 0;
    else {
      const digits = zone.replace(':', '');
      const sign = digits.startsWith('-') ? -1 : 1;
      offsetMs = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
    }
  }
  return { wall, offsetMs };
}

/** An ISO 8601 query value: its own offset if it has one, otherwise UTC (as calendarView documents). */
export function parseInstant(text: unknown): number | undefined {
  const parsed = parseDateTime(text);
  if (!parsed) return undefined;
  return parsed.wall - (parsed.offsetMs ?? 0);
}

/** A `dateTimeTimeZone` as Graph writes it. */
export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

/** The instant a client's `dateTimeTimeZone` names (an explicit offset in `dateTime` wins over `timeZone`). */
export function readDateTimeTimeZone(value: unknown): { instant: number; zone: Zone } | 'invalid' | 'zone' {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'invalid';
  const { dateTime, timeZone } = value as { dateTime?: unknown; timeZone?: unknown };
  const parsed = parseDateTime(dateTime);
  if (!parsed) return 'invalid';
  const zone = typeof timeZone === 'string' ? findZone(timeZone) : undefined;
  if (!zone) return 'zone';
  const instant = parsed.offsetMs !== null ? parsed.wall - parsed.offsetMs : fromWall(parsed.wall, zone);
  return { instant, zone };
}

/** `{dateTime, timeZone}` of an instant in the response zone. */
export function dateTimeTimeZone(instant: number, zone: Zone): DateTimeTimeZone {
  return { dateTime: formatWall(toWall(instant, zone)), timeZone: zone.name };
}

/** What the request's `Prefer` header asks for: `outlook.timezone="…"` and `odata.maxpagesize=n`. */
export interface Preferences {
  zone: Zone;
  maxPageSize: number | null;
  /** Values for the `Preference-Applied` response header. */
  applied: string[];
}

export function preferences(call: Pick<GraphCall, 'request'>): Preferences {
  const raw = call.request.headers.prefer;
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  const applied: string[] = [];
  let zone = UTC;
  const tz = /outlook\.timezone\s*=\s*"([^"]*)"/i.exec(text);
  // An unknown zone is ignored: times stay in UTC and no preference is reported as applied.
  const found = tz ? findZone(tz[1]) : undefined;
  if (tz && found) {
    zone = found;
    applied.push(`outlook.timezone="${tz[1]}"`);
  }
  const size = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(text);
  const maxPageSize = size ? Number(size[1]) : null;
  return { zone, maxPageSize: maxPageSize && maxPageSize > 0 ? maxPageSize : null, applied };
}

/** ISO 8601 durations as findMeetingTimes takes them (`PT1H30M`, `P1D`); undefined when malformed. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim().toUpperCase();
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(trimmed);
  if (!m || trimmed === 'P' || trimmed.endsWith('T')) return undefined;
  const [weeks, days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4], m[5]].map((v) => Number(v ?? 0));
  return ((((weeks! * 7 + days!) * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * 1000;
}
