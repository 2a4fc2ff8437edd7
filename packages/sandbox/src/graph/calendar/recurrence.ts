import { badRequestValidation } from './errors.js';
import { DAY_MS } from './time.js';

/**
 * Graph's `patternedRecurrence`, normalised to the full shape Graph returns, and its expansion into occurrence
 * dates. Dates are day numbers (days since 1970-01-01) of the recurrence time zone's calendar.
 */

export type PatternType =
  | 'daily'
  | 'weekly'
  | 'absoluteMonthly'
  | 'relativeMonthly'
  | 'absoluteYearly'
  | 'relativeYearly';
export type RangeType = 'endDate' | 'noEnd' | 'numbered';

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const INDEXES = ['first', 'second', 'third', 'fourth', 'last'] as const;
const PATTERNS: PatternType[] = [
  'daily',
  'weekly',
  'absoluteMonthly',
  'relativeMonthly',
  'absoluteYearly',
  'relativeYearly',
];
const RANGES: RangeType[] = ['endDate', 'noEnd', 'numbered'];

export interface Recurrence {
  pattern: {
    type: PatternType;
    interval: number;
    month: number;
    dayOfMonth: number;
    daysOfWeek: string[];
    firstDayOfWeek: string;
    index: string;
  };
  range: {
    type: RangeType;
    startDate: string;
    endDate: string;
    recurrenceTimeZone: string;
    numberOfOccurrences: number;
  };
}

export function dayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayIndex(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

const isDate = (v: unknown): v is string =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(dayNumber(v));

const oneOf = (value: string, list: readonly string[]) => list.includes(value);

/** Validates a client's recurrence and fills in Graph's defaults; `startDate` defaults to the event's start date. */
export function normaliseRecurrence(value: unknown, startDate: string, zoneName: string): Recurrence | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequestValidation();
  const { pattern, range } = value as { pattern?: Record<string, unknown>; range?: Record<string, unknown> };
  if (!pattern || !range || typeof pattern !== 'object' || typeof range !== 'object') throw badRequestValidation();
  const type = PATTERNS.find((p) => p.toLowerCase() === String(pattern.type ?? '').toLowerCase());
  const rangeType = RANGES.find((r) => r.toLowerCase() === String(range.type ?? '').toLowerCase());
  const interval = Number(pattern.interval ?? 1);
  const daysOfWeek = Array.isArray(pattern.daysOfWeek) ? pattern.daysOfWeek.map((d) => String(d).toLowerCase()) : [];
  if (!type || !rangeType || !Number.isInteger(interval) || interval < 1) throw badRequestValidation();
  if (!daysOfWeek.every((d) => oneOf(d, WEEKDAYS))) throw badRequestValidation();
  if ((type === 'weekly' || type.startsWith('relative')) && daysOfWeek.length === 0) throw badRequestValidation();
  const dayOfMonth = Number(pattern.dayOfMonth ?? 0);
  const month = Number(pattern.month ?? 0);
  if (type.startsWith('absolute') && (dayOfMonth < 1 || dayOfMonth > 31)) throw badRequestValidation();
  if (type.endsWith('Yearly') && (month < 1 || month > 12)) throw badRequestValidation();
  const rangeStart = range.startDate === undefined ? startDate : range.startDate;
  if (!isDate(rangeStart)) throw badRequestValidation();
  const count = Number(range.numberOfOccurrences ?? 0);
  if (rangeType === 'endDate' && (!isDate(range.endDate) || dayNumber(range.endDate) < dayNumber(rangeStart))) {
    throw badRequestValidation();
  }
  if (rangeType === 'numbered' && (!Number.isInteger(count) || count < 1)) throw badRequestValidation();
  const firstDayOfWeek = String(pattern.firstDayOfWeek ?? 'sunday').toLowerCase();
  const index = String(pattern.index ?? 'first').toLowerCase();
  if (!oneOf(firstDayOfWeek, WEEKDAYS) || !oneOf(index, INDEXES)) throw badRequestValidation();
  return {
    pattern: { type, interval, month, dayOfMonth, daysOfWeek, firstDayOfWeek, index },
    range: {
      type: rangeType,
      startDate: rangeStart,
      endDate: rangeType === 'endDate' ? String(range.endDate) : '0001-01-01',
      recurrenceTimeZone: typeof range.recurrenceTimeZone === 'string' ? range.recurrenceTimeZone : zoneName,
      numberOfOccurrences: rangeType === 'numbered' ? count : 0,
    },
  };
}

function ymd(day: number): { year: number; month: number; date: number; daysInMonth: number } {
  const d = new Date(day * DAY_MS);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  return { year, month, date: d.getUTCDate(), daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate() };
}

function matchesIndex(day: number, index: string): boolean {
  const { date, daysInMonth } = ymd(day);
  if (index === 'last') return date + 7 > daysInMonth;
  return Math.ceil(date / 7) === INDEXES.indexOf(index as (typeof INDEXES)[number]) + 1;
}

/** Whether the pattern puts an occurrence on this day (range limits aside). */
function onPattern(r: Recurrence, day: number, first: number): boolean {
  const p = r.pattern;
  const start = ymd(first);
  const here = ymd(day);
  const monthsApart = (here.year - start.year) * 12 + here.month - start.month;
  const weekday = WEEKDAYS[weekdayIndex(day)]!;
  switch (p.type) {
    case 'daily':
      return (day - first) % p.interval === 0;
    case 'weekly': {
      if (!p.daysOfWeek.includes(weekday)) return false;
      const shift = WEEKDAYS.indexOf(p.firstDayOfWeek as (typeof WEEKDAYS)[number]);
      const weekStart = (d: number) => d - ((weekdayIndex(d) - shift + 7) % 7);
      return ((weekStart(day) - weekStart(first)) / 7) % p.interval === 0;
    }
    case 'absoluteMonthly':
      return here.date === Math.min(p.dayOfMonth, here.daysInMonth) && monthsApart % p.interval === 0;
    case 'relativeMonthly':
      return p.daysOfWeek.includes(weekday) && matchesIndex(day, p.index) && monthsApart % p.interval === 0;
    case 'absoluteYearly':
      return (
        here.month === p.month &&
        here.date === Math.min(p.dayOfMonth, here.daysInMonth) &&
        (here.year - start.year) % p.interval === 0
      );
    case 'relativeYearly':
      return (
        here.month === p.month &&
        p.daysOfWeek.includes(weekday) &&
        matchesIndex(day, p.index) &&
        (here.year - start.year) % p.interval === 0
      );
  }
}

/** Occurrence days from `from` to `to` inclusive, honouring the range (its end date or its count). */
export function occurrenceDays(r: Recurrence, from: number, to: number): number[] {
  const first = dayNumber(r.range.startDate);
  const last = r.range.type === 'endDate' ? Math.min(dayNumber(r.range.endDate), to) : to;
  const days: number[] = [];
  let seen = 0;
  for (let day = first; day <= last; day++) {
    if (!onPattern(r, day, first)) continue;
    seen++;
    if (r.range.type === 'numbered' && seen > r.range.numberOfOccurrences) break;
    if (day >= from) days.push(day);
  }
  return days;
}
