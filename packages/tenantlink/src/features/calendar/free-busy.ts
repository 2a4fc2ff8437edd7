import { TenantlinkError } from '../../errors.js';
import type { GraphClient } from '../../graph/client.js';

/** People per getSchedule call: the documented maximum (Exchange is seen to take 100, but only 20 is promised). */
export const SCHEDULES_PER_CALL = 20;
/** getSchedule's range must be under 62 days. */
export const MAX_RANGE_DAYS = 61;

export interface FreeBusyRequest {
  /** E-mail addresses (UPN or SMTP). */
  users: readonly string[];
  start: Date;
  end: Date;
  /** Minutes per character of `availabilityView` (5 to 1,440). */
  intervalMinutes: number;
}

export interface ScheduleItem {
  status: string;
  start: string;
  end: string;
  /** Only when the person's sharing shows it, and the item is not private. */
  subject?: string;
}

export interface WorkingHours {
  daysOfWeek: string[];
  startTime: string;
  endTime: string;
  timeZone: string;
}

/** One person's free/busy, or why it could not be read. */
export interface PersonSchedule {
  user: string;
  /** One character per interval: 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere. */
  availabilityView?: string;
  items?: ScheduleItem[];
  workingHours?: WorkingHours;
  error?: { code: string; message: string };
}

interface GraphSchedule {
  scheduleId: string;
  availabilityView?: string;
  scheduleItems?: { status: string; subject?: string; start: { dateTime: string }; end: { dateTime: string } }[];
  workingHours?: { daysOfWeek?: string[]; startTime?: string; endTime?: string; timeZone?: { name?: string } };
  error?: { message?: string; responseCode?: string };
}

/**
 * Free/busy of many people: getSchedule for up to 20 people a call, every call at once. A call counts against the
 * mailbox in its URL (the anchor), not against the people it asks about, so each call is anchored on a mailbox of its
 * own (its first person), and the per-mailbox limit of 4 in flight never makes them queue. A person Graph cannot
 * resolve gets an error of their own from Graph; an anchor it refuses (no mailbox, or outside the app's application
 * access policy) gets that as its error, and the call is made again anchored on the next person, then on
 * `fallbackAnchor`.
 */
export async function readFreeBusy(
  graph: GraphClient,
  request: FreeBusyRequest,
  options: { fallbackAnchor?: string | undefined; signal?: AbortSignal } = {},
): Promise<PersonSchedule[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < request.users.length; i += SCHEDULES_PER_CALL)
    chunks.push(request.users.slice(i, i + SCHEDULES_PER_CALL));
  const answers = await Promise.all(chunks.map((chunk) => scheduleChunk(graph, chunk, request, options)));
  return answers.flat();
}

async function scheduleChunk(
  graph: GraphClient,
  people: string[],
  request: FreeBusyRequest,
  options: { fallbackAnchor?: string | undefined; signal?: AbortSignal },
): Promise<PersonSchedule[]> {
  const refused = new Map<string, { code: string; message: string }>();
  const anchors = [...new Set([...people, ...(options.fallbackAnchor ? [options.fallbackAnchor] : [])])];
  let lastError: { code: string; message: string } | undefined;
  for (const anchor of anchors) {
    const asking = people.filter((p) => !refused.has(p));
    if (asking.length === 0) break;
    let value: GraphSchedule[];
    try {
      value = (
        await graph.post<{ value: GraphSchedule[] }>(
          `/users/${encodeURIComponent(anchor)}/calendar/getSchedule`,
          {
            schedules: asking,
            startTime: { dateTime: utc(request.start), timeZone: 'UTC' },
            endTime: { dateTime: utc(request.end), timeZone: 'UTC' },
            availabilityViewInterval: request.intervalMinutes,
          },
          {
            headers: { prefer: 'outlook.timezone="UTC"' },
            ...(options.signal ? { signal: options.signal } : {}),
          },
        )
      ).value;
    } catch (err) {
      if (!(err instanceof TenantlinkError) || (err.status !== 403 && err.status !== 404)) throw err;
      // The anchor's own mailbox was refused: that is this person's answer; the others are asked through another.
      lastError = { code: err.microsoftCode ?? err.code, message: err.microsoftMessage ?? err.message };
      if (people.includes(anchor)) refused.set(anchor, lastError);
      continue;
    }
    const byAddress = new Map(value.map((s) => [s.scheduleId.toLowerCase(), s]));
    return people.map((user) => {
      const error = refused.get(user);
      if (error) return { user, error };
      const schedule = byAddress.get(user.toLowerCase());
      if (!schedule)
        return {
          user,
          error: { code: 'ScheduleMissing', message: 'Microsoft Graph returned nothing for this person.' },
        };
      return personSchedule(user, schedule);
    });
  }
  const error = lastError ?? { code: 'NoAnchor', message: 'No mailbox could be asked for these people.' };
  return people.map((user) => ({ user, error: refused.get(user) ?? error }));
}

function personSchedule(user: string, s: GraphSchedule): PersonSchedule {
  if (s.error)
    return {
      user,
      error: { code: s.error.responseCode ?? 'ScheduleError', message: s.error.message ?? 'Free/busy is unavailable.' },
    };
  return {
    user,
    availabilityView: s.availabilityView ?? '',
    items: (s.scheduleItems ?? []).map((item) => ({
      status: item.status,
      start: asUtc(item.start.dateTime),
      end: asUtc(item.end.dateTime),
      ...(item.subject !== undefined ? { subject: item.subject } : {}),
    })),
    ...(s.workingHours
      ? {
          workingHours: {
            daysOfWeek: s.workingHours.daysOfWeek ?? [],
            startTime: s.workingHours.startTime ?? '',
            endTime: s.workingHours.endTime ?? '',
            timeZone: s.workingHours.timeZone?.name ?? 'UTC',
          },
        }
      : {}),
  };
}

/** Graph's `dateTime` without an offset, in UTC (as `Prefer: outlook.timezone="UTC"` asks answers to be). */
function utc(date: Date): string {
  return date.toISOString().replace('Z', '');
}

/** An answer's UTC `dateTime` as an ISO instant. */
function asUtc(dateTime: string): string {
  const parsed = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(dateTime) ? dateTime : `${dateTime}Z`);
  return Number.isNaN(parsed) ? dateTime : new Date(parsed).toISOString();
}
