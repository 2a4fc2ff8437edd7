import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectionService } from '../../connections/service.js';
import { TenantlinkError } from '../../errors.js';
import { MAX_RANGE_DAYS, type PersonSchedule, readFreeBusy } from '../../features/calendar/free-busy.js';
import { FreeBusyCache } from '../../features/calendar/free-busy-cache.js';
import { errorResponses } from '../schemas.js';

export interface CalendarRoutesOptions {
  service: ConnectionService;
}

const MAX_PEOPLE = 1000;
const ADDRESS = /^[^@\s,]{1,64}@[^@\s,]{1,255}$/;

const instant = (name: string) =>
  z
    .string()
    .max(40)
    .refine((v) => !Number.isNaN(Date.parse(v)) && /\d{4}-\d{2}-\d{2}T/.test(v), `${name} must be an ISO date-time`)
    .describe(`${name}, ISO 8601 with an offset (2026-12-07T09:00:00Z)`);

const scheduleView = z.object({
  user: z.string(),
  availabilityView: z
    .string()
    .optional()
    .describe('one character per interval: 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere'),
  items: z
    .array(z.object({ status: z.string(), start: z.string(), end: z.string(), subject: z.string().optional() }))
    .optional(),
  workingHours: z
    .object({
      daysOfWeek: z.array(z.string()),
      startTime: z.string(),
      endTime: z.string(),
      timeZone: z.string(),
    })
    .optional(),
  error: z
    .object({ code: z.string(), message: z.string() })
    .optional()
    .describe('this person could not be read (unknown, no mailbox, outside the app’s access policy); the others were'),
});

/** Calendar: free/busy of many people at once. */
export const calendarRoutes: FastifyPluginAsyncZod<CalendarRoutesOptions> = async (app, { service }) => {
  const cache = new FreeBusyCache();
  app.get(
    '/connections/:id/calendar/freebusy',
    {
      schema: {
        tags: ['calendar'],
        summary: `Free/busy of up to ${MAX_PEOPLE} people over a range (under ${MAX_RANGE_DAYS + 1} days); each person answers or has an error of their own`,
        params: z.object({ id: z.string().min(1).max(200) }),
        querystring: z.object({
          users: z
            .string()
            .min(3)
            .max(MAX_PEOPLE * 330)
            .describe('comma-separated e-mail addresses (UPN or SMTP)')
            .transform((v, ctx) => {
              const list = [
                ...new Set(
                  v
                    .split(',')
                    .map((x) => x.trim())
                    .filter(Boolean),
                ),
              ];
              const bad = list.filter((x) => !ADDRESS.test(x));
              if (bad.length > 0) {
                ctx.addIssue({ code: 'custom', message: `not an e-mail address: ${bad.slice(0, 3).join(', ')}` });
                return z.NEVER;
              }
              if (list.length === 0 || list.length > MAX_PEOPLE) {
                ctx.addIssue({ code: 'custom', message: `give 1 to ${MAX_PEOPLE} people, not ${list.length}` });
                return z.NEVER;
              }
              return list;
            }),
          start: instant('start'),
          end: instant('end'),
          interval: z.coerce.number().int().min(5).max(1440).default(30).describe('minutes per character'),
        }),
        response: { 200: z.object({ schedules: z.array(scheduleView) }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      const start = new Date(q.start);
      const end = new Date(q.end);
      if (end <= start) throw new TenantlinkError('INVALID_INPUT', 'end must come after start.');
      if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * 86_400_000)
        throw new TenantlinkError('INVALID_INPUT', `The range can be at most ${MAX_RANGE_DAYS} days (Graph's limit).`);
      const connection = await service.show(request.params.id);
      if (!connection.features.includes('calendar'))
        throw new TenantlinkError(
          'FEATURE_NOT_ENABLED',
          `The connection ${connection.name} does not have the calendar feature: add it (and its permission) first.`,
          { status: 400 },
        );
      const range = `${start.toISOString()}/${end.toISOString()}/${q.interval}`;
      const known = new Map<string, PersonSchedule>();
      const missing: string[] = [];
      for (const user of q.users) {
        const cached = cache.get(connection.id, user, range);
        if (cached) known.set(user, cached);
        else missing.push(user);
      }
      if (missing.length > 0) {
        const graph = await service.graphClient(connection.id);
        const fallback = connection.settings.testUser;
        const read = await readFreeBusy(
          graph,
          { users: missing, start, end, intervalMinutes: q.interval },
          { fallbackAnchor: typeof fallback === 'string' ? fallback : undefined },
        );
        for (const schedule of read) {
          known.set(schedule.user, schedule);
          cache.set(connection.id, range, schedule);
        }
      }
      return { schedules: q.users.map((user) => known.get(user)!) };
    },
  );
};
