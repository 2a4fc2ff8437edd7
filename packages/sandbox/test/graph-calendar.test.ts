import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@microsoft/microsoft-graph-client';
import { type Harness, type Json, startHarness } from '../src/testing/index.js';
import { graphSdkClient } from './helpers/graph-sdk.js';

type Page = { value: Record<string, Json>[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

interface SandboxUser {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  managerId: string | null;
  password: string;
  accountEnabled: boolean;
  isAdmin: boolean;
  mfaRequired: boolean;
  conditionalAccessBlocked: boolean;
  mailboxEnabled: boolean;
}

const PST = 'outlook.timezone="Pacific Standard Time"';

describe('Graph calendar workload', () => {
  let h: Harness;
  let users: SandboxUser[];
  let writerToken: string;
  let writerAppId: string;
  let sdk: Client;
  /** The organizer of the meetings below (signs in for delegated calls), two colleagues, and their manager pair. */
  let organizer: SandboxUser;
  let alice: SandboxUser;
  let bob: SandboxUser;
  let ownCalendarApp: string;
  let sharedCalendarApp: string;

  const clientFor = (token: string) => graphSdkClient(h, async () => token);

  /** Entra puts every consented scope in `scp`, so each permission set needs its own app. */
  const delegatedToken = async (user: SandboxUser, appId: string, scopes: string[]) =>
    (await h.publicClient(appId).acquireTokenByUsernamePassword({
      scopes,
      username: user.userPrincipalName,
      password: user.password,
    }))!.accessToken;

  const at = (dateTime: string, timeZone = 'UTC') => ({ dateTime, timeZone });

  before(async () => {
    h = await startHarness({ users: 40 });
    users = (await h.control('GET', `/tenants/${h.tenantId}`)).users;
    const usable = users.filter(
      (u) => u.accountEnabled && u.mailboxEnabled && !u.mfaRequired && !u.conditionalAccessBlocked && !u.isAdmin,
    );
    [organizer, alice, bob] = usable as [SandboxUser, SandboxUser, SandboxUser];
    const writer = await h.appToken(['Calendars.ReadWrite']);
    writerToken = writer.token;
    writerAppId = writer.app.appId;
    sdk = clientFor(writerToken);
    const publicApp = async (displayName: string, scopes: string[]) =>
      (
        await h.createApp({
          displayName,
          allowPublicClient: true,
          requiredPermissions: { delegated: [...scopes, 'openid', 'profile', 'offline_access'] },
          grantAdminConsent: true,
        })
      ).appId;
    ownCalendarApp = await publicApp('Calendar Desktop Client', ['Calendars.ReadWrite', 'Calendars.Read']);
    sharedCalendarApp = await publicApp('Team Calendar Viewer', ['Calendars.Read.Shared']);
  });
  after(() => h.close());

  test('seeded calendars: a default calendar, about fifteen events, series, and meetings shared by iCalUId', async () => {
    const member = users.find((u) => u.mailboxEnabled && users.some((m) => m.id === u.managerId && m.mailboxEnabled))!;
    const calendar = await sdk.api(`/users/${member.userPrincipalName}/calendar`).get();
    assert.equal(calendar.isDefaultCalendar, true);
    assert.equal(calendar.name, 'Calendar');
    const calendars = await sdk.api(`/users/${member.id}/calendars`).get();
    assert.deepEqual(
      calendars.value.map((c: Json) => c.id),
      [calendar.id],
    );

    const events: Json[] = (await sdk.api(`/users/${member.id}/events`).top(100).get()).value;
    assert.ok(events.length >= 13 && events.length <= 30, `seeded ${events.length} events`);
    assert.ok(events.some((e) => e.isAllDay && e.showAs === 'oof'));
    assert.ok(events.some((e) => e.showAs === 'workingElsewhere'));
    assert.ok(events.some((e) => e.sensitivity === 'private'));
    assert.ok(events.some((e) => e.isOnlineMeeting && e.onlineMeeting?.joinUrl));
    const sync = events.find((e) => e.type === 'seriesMaster' && e.subject.endsWith('weekly sync'));
    assert.ok(sync, 'the manager’s weekly team sync is in the member’s calendar');
    assert.equal(sync.recurrence.pattern.type, 'weekly');
    assert.equal(sync.isOrganizer, false);

    const managerCopy = await sdk.api(`/users/${member.managerId}/events`).filter(`iCalUId eq '${sync.iCalUId}'`).get();
    assert.equal(managerCopy.value.length, 1);
    assert.equal(managerCopy.value[0].isOrganizer, true);
    assert.equal(managerCopy.value[0].responseStatus.response, 'organizer');
    assert.ok(managerCopy.value[0].attendees.some((a: Json) => a.emailAddress.address === member.mail?.toLowerCase()));

    // Seeded events sit around the sandbox clock's now: two weeks back to three weeks ahead.
    const now = Date.now();
    for (const e of events.filter((x) => x.type === 'singleInstance')) {
      const start = Date.parse(`${e.start.dateTime}Z`);
      assert.ok(start > now - 16 * 86_400_000 && start < now + 24 * 86_400_000, `${e.subject} at ${e.start.dateTime}`);
    }
  });

  test('events CRUD with the Graph SDK, and Outlook’s validation errors', async () => {
    const path = `/users/${organizer.id}/events`;
    const created = await sdk.api(path).post({
      subject: 'Architecture review',
      body: { contentType: 'html', content: '<p>Agenda</p>' },
      start: at('2030-03-04T14:00:00', 'Eastern Standard Time'),
      end: at('2030-03-04T15:00:00', 'Eastern Standard Time'),
      location: { displayName: 'Board Room' },
      isOnlineMeeting: true,
    });
    assert.match(created.id, /^AAMkA/);
    assert.equal(created.start.dateTime, '2030-03-04T19:00:00.0000000', 'stored in UTC');
    assert.equal(created.originalStartTimeZone, 'Eastern Standard Time');
    assert.equal(created.isOrganizer, true);

    const read = await sdk.api(`${path}/${created.id}`).select('subject,location').get();
    assert.deepEqual(Object.keys(read).sort(), ['@odata.context', '@odata.etag', 'id', 'location', 'subject']);
    const updated = await sdk.api(`${path}/${created.id}`).patch({ subject: 'Architecture review (moved)' });
    assert.equal(updated.subject, 'Architecture review (moved)');
    assert.notEqual(updated.changeKey, created.changeKey);

    const filtered = await sdk
      .api(path)
      .filter("start/dateTime ge '2030-03-04T00:00:00' and start/dateTime lt '2030-03-05T00:00:00'")
      .orderby('start/dateTime')
      .get();
    assert.deepEqual(
      filtered.value.map((e: Json) => e.id),
      [created.id],
    );

    await sdk.api(`${path}/${created.id}`).delete();
    await assert.rejects(sdk.api(`${path}/${created.id}`).get(), (err: { statusCode: number; code: string }) => {
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, 'ErrorItemNotFound');
      return true;
    });

    const backwards = await h.graph(writerToken, path, {
      method: 'POST',
      body: { subject: 'x', start: at('2030-03-04T15:00:00'), end: at('2030-03-04T14:00:00') },
    });
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body.error.code, 'ErrorPropertyValidationFailure');
    assert.equal(backwards.body.error.message, 'At least one property failed validation.');
    const noEnd = await h.graph(writerToken, path, { method: 'POST', body: { start: at('2030-03-04T15:00:00') } });
    assert.equal(noEnd.body.error.code, 'ErrorPropertyValidationFailure');
    const badZone = await h.graph(writerToken, path, {
      method: 'POST',
      body: { start: at('2030-03-04T14:00:00', 'Greenwich Mean Time'), end: at('2030-03-04T15:00:00') },
    });
    assert.equal(badZone.status, 400);
    assert.equal(badZone.body.error.code, 'TimeZoneNotSupportedException');
    assert.equal(
      badZone.body.error.message,
      "A valid TimeZone value must be specified. The following TimeZone value is not supported: 'Greenwich Mean Time'.",
    );
    const unknown = await h.graph(writerToken, path, { method: 'POST', body: { colour: 'red' } });
    assert.equal(unknown.body.error.code, 'RequestBodyRead');
    const malformed = await h.graph(writerToken, `${path}/not-an-id`);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'ErrorInvalidIdMalformed');
    const badSelect = await h.graph(writerToken, `${path}?$select=colour`);
    assert.equal(badSelect.status, 400);
    assert.match(badSelect.body.error.message, /Could not find a property named 'colour'/);
  });

  test('a meeting appears in the attendees’ calendars, follows the organizer’s changes, and goes when cancelled', async () => {
    const meeting = await sdk.api(`/users/${organizer.id}/events`).post({
      subject: 'Quarterly planning',
      start: at('2030-04-01T13:00:00'),
      end: at('2030-04-01T14:00:00'),
      attendees: [
        { type: 'required', emailAddress: { address: alice.userPrincipalName } },
        { type: 'optional', emailAddress: { address: bob.userPrincipalName } },
        { type: 'required', emailAddress: { address: 'partner@fabrikam.example', name: 'Partner' } },
      ],
    });
    assert.equal(meeting.attendees.length, 3);
    assert.ok(meeting.attendees.every((a: Json) => a.status.response === 'none'));
    const copyOf = async (user: SandboxUser) =>
      (await sdk.api(`/users/${user.id}/events`).filter(`iCalUId eq '${meeting.iCalUId}'`).get()).value;

    const [aliceCopy] = await copyOf(alice);
    assert.ok(aliceCopy, 'Alice has the meeting');
    assert.notEqual(aliceCopy.id, meeting.id);
    assert.equal(aliceCopy.isOrganizer, false);
    assert.equal(aliceCopy.responseStatus.response, 'notResponded');
    assert.equal(aliceCopy.organizer.emailAddress.address, organizer.mail?.toLowerCase());
    assert.equal((await copyOf(bob)).length, 1);

    await sdk.api(`/users/${organizer.id}/events/${meeting.id}`).patch({
      start: at('2030-04-01T15:00:00'),
      end: at('2030-04-01T16:00:00'),
      attendees: [{ type: 'required', emailAddress: { address: alice.userPrincipalName } }],
    });
    const [moved] = await copyOf(alice);
    assert.equal(moved.start.dateTime, '2030-04-01T15:00:00.0000000');
    assert.equal((await copyOf(bob)).length, 0, 'Bob was removed from the meeting');

    await sdk.api(`/users/${organizer.id}/events/${meeting.id}`).delete();
    assert.equal((await copyOf(alice)).length, 0, 'cancelling removes the attendee’s copy');
  });

  test('attendees accept or decline, the organizer sees their answers, and only the organizer can cancel', async () => {
    const meeting = await sdk.api(`/users/${organizer.id}/events`).post({
      subject: 'Roadmap',
      start: at('2030-04-02T13:00:00'),
      end: at('2030-04-02T14:00:00'),
      attendees: [alice, bob].map((u) => ({ type: 'required', emailAddress: { address: u.userPrincipalName } })),
    });
    const copyOf = async (user: SandboxUser) =>
      (await sdk.api(`/users/${user.id}/events`).filter(`iCalUId eq '${meeting.iCalUId}'`).get()).value[0];
    const aliceCopy = await copyOf(alice);
    assert.equal(aliceCopy.showAs, 'tentative', 'an unanswered invitation shows as tentative');

    const accepted = await h.graph(writerToken, `/users/${alice.id}/events/${aliceCopy.id}/accept`, {
      method: 'POST',
      body: { comment: 'See you there', sendResponse: true },
    });
    assert.equal(accepted.status, 202);
    const acceptedCopy = await copyOf(alice);
    assert.equal(acceptedCopy.responseStatus.response, 'accepted');
    assert.equal(acceptedCopy.showAs, 'busy');
    await sdk.api(`/users/${bob.id}/events/${(await copyOf(bob)).id}/decline`).post({ sendResponse: true });
    assert.equal(await copyOf(bob), undefined, 'a declined meeting leaves the calendar');
    const tracked = await sdk.api(`/users/${organizer.id}/events/${meeting.id}`).get();
    assert.deepEqual(
      tracked.attendees.map((a: Json) => [a.emailAddress.address, a.status.response]),
      [
        [alice.mail?.toLowerCase(), 'accepted'],
        [bob.mail?.toLowerCase(), 'declined'],
      ],
    );

    const ownAnswer = await h.graph(writerToken, `/users/${organizer.id}/events/${meeting.id}/accept`, {
      method: 'POST',
      body: {},
    });
    assert.equal(ownAnswer.status, 400);
    assert.equal(ownAnswer.body.error.code, 'ErrorInvalidRequest');
    const attendeeCancel = await h.graph(writerToken, `/users/${alice.id}/events/${aliceCopy.id}/cancel`, {
      method: 'POST',
      body: {},
    });
    assert.equal(attendeeCancel.status, 400);
    const cancelled = await h.graph(writerToken, `/users/${organizer.id}/events/${meeting.id}/cancel`, {
      method: 'POST',
      body: { comment: 'Postponed' },
    });
    assert.equal(cancelled.status, 202);
    assert.equal(await copyOf(alice), undefined);
    assert.equal((await h.graph(writerToken, `/users/${organizer.id}/events/${meeting.id}`)).status, 404);
  });

  test('calendarView requires its window, expands series into occurrences and pages with $skip', async () => {
    const missing = await h.graph(writerToken, `/users/${bob.id}/calendarView`);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'ErrorInvalidParameter');
    assert.equal(
      missing.body.error.message,
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
    const series = await sdk.api(`/users/${bob.id}/events`).post({
      subject: 'Book club',
      start: at('2031-05-05T17:00:00'),
      end: at('2031-05-05T18:00:00'),
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', startDate: '2031-05-05', numberOfOccurrences: 4 },
      },
    });
    assert.equal(series.type, 'seriesMaster');
    assert.equal(series.recurrence.range.recurrenceTimeZone, 'UTC');

    const view = `/users/${bob.id}/calendarView?startDateTime=2031-05-01T00:00:00Z&endDateTime=2031-06-30T00:00:00Z`;
    const first = await sdk.api(view).top(3).get();
    const all: Json[] = [...first.value];
    assert.match(first['@odata.nextLink'], /\$skip=3/);
    assert.match(first['@odata.nextLink'], /startDateTime=/);
    for (let next = first['@odata.nextLink']; next; ) {
      const page = await sdk.api(next).get();
      assert.ok(page.value.length <= 3);
      all.push(...page.value);
      next = page['@odata.nextLink'];
    }
    const occurrences = all.filter((e) => e.seriesMasterId === series.id);
    assert.deepEqual(
      occurrences.map((o) => o.start.dateTime),
      [
        '2031-05-05T17:00:00.0000000',
        '2031-05-12T17:00:00.0000000',
        '2031-05-19T17:00:00.0000000',
        '2031-05-26T17:00:00.0000000',
      ],
    );
    assert.ok(occurrences.every((o) => o.type === 'occurrence' && o.id !== series.id));
    assert.equal(new Set(occurrences.map((o) => o.iCalUId)).size, 4, 'each occurrence has its own iCalUId');

    // An occurrence can be read by id, and deleting it removes just that date.
    const second = occurrences[1];
    assert.equal((await sdk.api(`/users/${bob.id}/events/${second.id}`).get()).seriesMasterId, series.id);
    await sdk.api(`/users/${bob.id}/events/${second.id}`).delete();
    const after = await sdk.api(view).top(50).get();
    assert.equal(after.value.filter((e: Json) => e.seriesMasterId === series.id).length, 3);

    // The same series through /calendars/{id}/…, its instances, and Prefer: odata.maxpagesize on a list.
    const calendarId = (await sdk.api(`/users/${bob.id}/calendar`).get()).id;
    const viaCalendar = await sdk.api(`/users/${bob.id}/calendars/${calendarId}/events/${series.id}`).get();
    assert.equal(viaCalendar.subject, 'Book club');
    const instances = await h.graph(
      writerToken,
      `/users/${bob.id}/events/${series.id}/instances?startDateTime=2031-05-01T00:00:00Z&endDateTime=2031-05-20T00:00:00Z`,
      { headers: { prefer: 'odata.maxpagesize=1' } },
    );
    assert.equal(instances.headers.get('preference-applied'), 'odata.maxpagesize=1');
    assert.equal(instances.body.value.length, 1);
    assert.equal(instances.body.value[0].start.dateTime, '2031-05-05T17:00:00.0000000');
    const rest = await h.graph(writerToken, instances.body['@odata.nextLink']);
    assert.deepEqual(
      rest.body.value.map((e: Json) => e.type),
      ['occurrence'],
      'the 12th was deleted; the 19th remains',
    );
    const wrongCalendar = await h.graph(writerToken, `/users/${bob.id}/calendars/${series.id}/events`);
    assert.equal(wrongCalendar.status, 404);
    assert.equal(wrongCalendar.body.error.code, 'ErrorItemNotFound');
  });

  test('Prefer: outlook.timezone converts every start and end, and is reported as applied', async () => {
    const event = await sdk.api(`/users/${bob.id}/events`).post({
      subject: 'Time zones',
      start: at('2030-07-15T17:00:00'),
      end: at('2030-07-15T18:00:00'),
    });
    const pacific = await h.graph(writerToken, `/users/${bob.id}/events/${event.id}`, { headers: { prefer: PST } });
    assert.deepEqual(pacific.body.start, {
      dateTime: '2030-07-15T10:00:00.0000000',
      timeZone: 'Pacific Standard Time',
    });
    assert.equal(pacific.headers.get('preference-applied'), PST);

    const view = await sdk
      .api(`/users/${bob.id}/calendarView?startDateTime=2030-07-15T00:00:00Z&endDateTime=2030-07-16T00:00:00Z`)
      .header('Prefer', 'outlook.timezone="W. Europe Standard Time"')
      .get();
    const mine = view.value.find((e: Json) => e.id === event.id);
    assert.deepEqual(mine.end, { dateTime: '2030-07-15T20:00:00.0000000', timeZone: 'W. Europe Standard Time' });

    const iana = await h.graph(writerToken, `/users/${bob.id}/events/${event.id}`, {
      headers: { prefer: 'outlook.timezone="Asia/Kolkata"' },
    });
    assert.equal(iana.body.start.dateTime, '2030-07-15T22:30:00.0000000');
    const utc = await h.graph(writerToken, `/users/${bob.id}/events/${event.id}`);
    assert.deepEqual(utc.body.start, { dateTime: '2030-07-15T17:00:00.0000000', timeZone: 'UTC' });
    assert.equal(utc.headers.get('preference-applied'), null);
  });

  test('calendarView/delta: initial round, then exactly the created, updated, moved and deleted events', async () => {
    const window = 'startDateTime=2031-03-01T00:00:00Z&endDateTime=2031-04-01T00:00:00Z';
    const base = `/users/${alice.id}/calendarView/delta`;
    const make = (subject: string, day: string) =>
      sdk.api(`/users/${alice.id}/events`).post({
        subject,
        start: at(`2031-03-${day}T13:00:00`),
        end: at(`2031-03-${day}T14:00:00`),
      });
    const [one, two, three] = [
      await make('Delta one', '03'),
      await make('Delta two', '04'),
      await make('Delta three', '05'),
    ];
    const seeded = (await sdk.api(`/users/${alice.id}/calendarView?${window}`).top(200).get()).value.length;

    const round = async (url: string) => {
      const items: Json[] = [];
      let next: string | undefined = url;
      let pages = 0;
      for (;;) {
        const res = await h.graph(writerToken, next!, { headers: { prefer: 'odata.maxpagesize=2' } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.headers.get('preference-applied'), 'odata.maxpagesize=2');
        const body = res.body as Page;
        assert.ok(body.value.length <= 2);
        items.push(...body.value);
        pages++;
        if (body['@odata.deltaLink']) return { items, deltaLink: body['@odata.deltaLink'], pages };
        next = body['@odata.nextLink'];
        assert.match(next!, /\$skiptoken=/);
      }
    };
    const initial = await round(`${base}?${window}`);
    assert.equal(initial.items.length, seeded, 'the initial round lists every event in the window');
    for (const e of [one, two, three]) assert.ok(initial.items.some((i) => i.id === e.id));
    assert.ok(initial.pages >= 2);

    const quiet = await round(initial.deltaLink);
    assert.deepEqual(quiet.items, [], 'nothing changed');

    const four = await make('Delta four', '06');
    await sdk.api(`/users/${alice.id}/events/${one.id}`).patch({ subject: 'Delta one (renamed)' });
    await sdk.api(`/users/${alice.id}/events/${two.id}`).delete();
    await sdk.api(`/users/${alice.id}/events/${three.id}`).patch({
      start: at('2031-05-05T13:00:00'),
      end: at('2031-05-05T14:00:00'),
    });
    const changes = await round(quiet.deltaLink);
    const byId = new Map(changes.items.map((i) => [i.id, i]));
    assert.equal(changes.items.length, 4);
    assert.equal(byId.get(four.id)?.subject, 'Delta four');
    assert.equal(byId.get(one.id)?.subject, 'Delta one (renamed)');
    assert.deepEqual(byId.get(two.id)?.['@removed'], { reason: 'deleted' });
    assert.deepEqual(byId.get(three.id)?.['@removed'], { reason: 'deleted' }, 'moved out of the window');

    // Exchange's documented quirk: a change outside the window is reported as removed too.
    const outside = await make('Delta outside', '03').then((e) =>
      sdk
        .api(`/users/${alice.id}/events/${e.id}`)
        .patch({ start: at('2032-01-05T13:00:00'), end: at('2032-01-05T14:00:00') }),
    );
    const later = await round(changes.deltaLink);
    assert.deepEqual(
      later.items.map((i) => [i.id, i['@removed']?.reason]),
      [[outside.id, 'deleted']],
    );

    const withSelect = await h.graph(writerToken, `${base}?${window}&$select=subject`);
    assert.equal(withSelect.status, 400);
    assert.equal(withSelect.body.error.code, 'ErrorInvalidUrlQuery');
    const withTop = await h.graph(writerToken, `${base}?${window}&$top=5`);
    assert.match(withTop.body.error.message, /Prefer: odata\.maxpagesize/);
    const noWindow = await h.graph(writerToken, base);
    assert.equal(noWindow.body.error.code, 'ErrorInvalidParameter');
    const foreign = await h.graph(writerToken, later.deltaLink.replace(alice.id, bob.id));
    assert.equal(foreign.status, 400, 'a delta token is bound to its mailbox');
    assert.equal(foreign.body.error.code, 'InvalidDeltaToken');
  });

  test('getSchedule: availabilityView per interval, private items, unknown addresses and Exchange’s limits', async () => {
    const busy = async (user: SandboxUser, subject: string, start: string, end: string, showAs: string) =>
      h.control('POST', `/tenants/${h.tenantId}/users/${user.id}/events`, { subject, start, end, showAs }, 201);
    await busy(alice, 'Customer visit', '2030-02-04T14:00:00Z', '2030-02-04T15:00:00Z', 'busy');
    await busy(alice, 'Maybe', '2030-02-04T15:00:00Z', '2030-02-04T15:30:00Z', 'tentative');
    await h.graph(writerToken, `/users/${bob.id}/events`, {
      method: 'POST',
      body: {
        subject: 'Dentist',
        sensitivity: 'private',
        start: at('2030-02-04T13:30:00'),
        end: at('2030-02-04T14:00:00'),
      },
    });
    const request = (interval: number | undefined, schedules: string[]) => ({
      schedules,
      startTime: at('2030-02-04T13:00:00'),
      endTime: at('2030-02-04T16:00:00'),
      ...(interval === undefined ? {} : { availabilityViewInterval: interval }),
    });
    const result = await sdk
      .api(`/users/${organizer.id}/calendar/getSchedule`)
      .post(request(undefined, [alice.userPrincipalName, bob.userPrincipalName, 'nobody@nowhere.example']));
    const [a, b, nobody] = result.value;
    assert.equal(a.scheduleId, alice.userPrincipalName);
    assert.equal(a.availabilityView, '002210', '30-minute slots: free, free, busy, busy, tentative, free');
    assert.deepEqual(
      a.scheduleItems.map((i: Json) => [i.status, i.subject, i.start.dateTime]),
      [
        ['busy', 'Customer visit', '2030-02-04T14:00:00.0000000'],
        ['tentative', 'Maybe', '2030-02-04T15:00:00.0000000'],
      ],
    );
    assert.deepEqual(a.workingHours.daysOfWeek, ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']);
    assert.equal(b.availabilityView, '020000');
    assert.equal(b.scheduleItems[0].isPrivate, true);
    assert.equal(b.scheduleItems[0].subject, undefined, 'a private item hides its subject');
    assert.equal(nobody.error.responseCode, 'ErrorMailRecipientNotFound');

    const hourly = await sdk.api(`/users/${organizer.id}/calendar/getSchedule`).post(request(60, [alice.mail!]));
    assert.equal(hourly.value[0].availabilityView, '021');

    const tooMany = await h.graph(writerToken, `/users/${organizer.id}/calendar/getSchedule`, {
      method: 'POST',
      body: request(
        30,
        Array.from({ length: 101 }, (_, i) => `user${i}@nowhere.example`),
      ),
    });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error.code, 'ErrorMailboxDataArrayTooBig');
    assert.equal(
      tooMany.body.error.message,
      'There are too many target users in the EmailAddress array. The allowed size = 100; the actual size = 101.',
    );
    const hundred = await h.graph(writerToken, `/users/${organizer.id}/calendar/getSchedule`, {
      method: 'POST',
      body: request(
        30,
        Array.from({ length: 100 }, (_, i) => `user${i}@nowhere.example`),
      ),
    });
    assert.equal(hundred.status, 200);
    const long = await h.graph(writerToken, `/users/${organizer.id}/calendar/getSchedule`, {
      method: 'POST',
      body: { ...request(30, [alice.mail!]), endTime: at('2030-04-08T13:00:00') },
    });
    assert.equal(long.body.error.code, 'ErrorTimeIntervalTooBig');
    assert.match(long.body.error.message, /allowed limit = 62 days; the actual limit = 63 days/);
    const tiny = await h.graph(writerToken, `/users/${organizer.id}/calendar/getSchedule`, {
      method: 'POST',
      body: request(4, [alice.mail!]),
    });
    assert.equal(tiny.body.error.code, 'ErrorInvalidMergedFreeBusyInterval');
  });

  test('findMeetingTimes suggests common free time for a delegated caller, and refuses app-only tokens', async () => {
    await h.control(
      'POST',
      `/tenants/${h.tenantId}/users/${organizer.id}/events`,
      { subject: 'Offsite prep', start: '2030-02-05T08:00:00Z', end: '2030-02-05T12:00:00Z' },
      201,
    );
    await h.control(
      'POST',
      `/tenants/${h.tenantId}/users/${alice.id}/events`,
      { subject: 'Training', start: '2030-02-05T12:00:00Z', end: '2030-02-05T14:00:00Z' },
      201,
    );
    const token = await delegatedToken(organizer, ownCalendarApp, ['Calendars.Read']);
    const body = (attendee: string) => ({
      attendees: [{ type: 'required', emailAddress: { address: attendee } }],
      timeConstraint: {
        activityDomain: 'work',
        timeSlots: [{ start: at('2030-02-05T08:00:00'), end: at('2030-02-05T17:00:00') }],
      },
      meetingDuration: 'PT1H',
      returnSuggestionReasons: 'true',
    });
    const result = await clientFor(token).api('/me/findMeetingTimes').post(body(alice.userPrincipalName));
    assert.equal(result.emptySuggestionsReason, '');
    const slots = result.meetingTimeSuggestions.map((s: Json) => s.meetingTimeSlot.start.dateTime);
    assert.equal(slots[0], '2030-02-05T14:00:00.0000000', 'the first time both are free');
    assert.ok(
      slots.every((s: string) => s >= '2030-02-05T14:00'),
      `no suggestion overlaps a busy block: ${slots}`,
    );
    const best = result.meetingTimeSuggestions[0];
    assert.equal(best.confidence, 100);
    assert.equal(best.organizerAvailability, 'free');
    assert.deepEqual(best.attendeeAvailability[0].availability, 'free');
    assert.match(best.suggestionReason, /all attendees are available/);

    const stranger = await clientFor(token).api('/me/findMeetingTimes').post(body('stranger@nowhere.example'));
    assert.deepEqual(stranger.meetingTimeSuggestions, []);
    assert.equal(stranger.emptySuggestionsReason, 'attendeesUnavailableOrUnknown');

    const appOnly = await h.graph(writerToken, `/users/${organizer.id}/findMeetingTimes`, {
      method: 'POST',
      body: body(alice.userPrincipalName),
    });
    assert.equal(appOnly.status, 403);
    assert.equal(appOnly.body.error.code, 'ErrorAccessDenied');
    const appMe = await h.graph(writerToken, '/me/findMeetingTimes', { method: 'POST', body: {} });
    assert.equal(appMe.status, 400);
    assert.equal(appMe.body.error.message, '/me request is only valid with delegated authentication flow.');
  });

  test('permissions: denial, ReadBasic hides bodies, higher permissions accepted, .Shared for other users', async () => {
    const path = `/users/${bob.id}/events?$top=1`;
    const mailOnly = await h.appToken(['Mail.Read']);
    const denied = await h.graph(mailOnly.token, path);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'ErrorAccessDenied');
    assert.equal(denied.body.error.message, 'Access is denied. Check credentials and try again.');

    const basic = await h.appToken(['Calendars.ReadBasic.All']);
    const basicEvent = (await h.graph(basic.token, path)).body.value[0];
    assert.ok(basicEvent.subject !== undefined && basicEvent.body === undefined, 'ReadBasic: no body');
    const read = await h.appToken(['Calendars.Read']);
    const fullEvent = (await h.graph(read.token, path)).body.value[0];
    assert.equal(typeof fullEvent.body.content, 'string', 'Calendars.Read returns bodies');
    assert.equal((await h.graph(writerToken, path)).status, 200, 'Calendars.ReadWrite (higher) reads too');
    const readCannotWrite = await h.graph(read.token, `/users/${bob.id}/events`, {
      method: 'POST',
      body: { start: at('2030-01-01T10:00:00'), end: at('2030-01-01T11:00:00') },
    });
    assert.equal(readCannotWrite.status, 403);
    const readCanSchedule = await h.graph(basic.token, `/users/${bob.id}/calendar/getSchedule`, {
      method: 'POST',
      body: { schedules: [bob.mail], startTime: at('2030-01-01T10:00:00'), endTime: at('2030-01-01T11:00:00') },
    });
    assert.equal(readCanSchedule.status, 200);

    const own = await delegatedToken(organizer, ownCalendarApp, ['Calendars.ReadWrite']);
    assert.equal((await h.graph(own, '/me/events?$top=1')).status, 200);
    const someoneElse = await h.graph(own, `/users/${bob.id}/events`);
    assert.equal(someoneElse.status, 403, 'another user’s calendar needs a .Shared permission');
    assert.equal(someoneElse.body.error.code, 'ErrorAccessDenied');
    const shared = await delegatedToken(organizer, sharedCalendarApp, ['Calendars.Read.Shared']);
    const scopeOnly = await h.graph(shared, `/users/${bob.id}/events?$top=1`);
    assert.equal(scopeOnly.status, 403, 'the scope alone is not enough: the mailbox owner must have granted a right');
    await h.control('POST', `/tenants/${h.tenantId}/mailboxPermissions`, {
      mailbox: bob.id,
      user: organizer.id,
      rights: ['FullAccess'],
    });
    assert.equal((await h.graph(shared, `/users/${bob.id}/events?$top=1`)).status, 200);
    assert.equal(
      (await h.graph(shared, `/users/${bob.id}/calendarView/delta?startDateTime=2030-01-01&endDateTime=2030-01-02`))
        .status,
      200,
    );
  });

  test('Exchange’s mailbox errors: unknown user, no mailbox, application access policy', async () => {
    const unknown = await h.graph(writerToken, '/users/nobody@nowhere.example/events');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'ErrorInvalidUser');

    const noMailbox = users.find((u) => !u.mailboxEnabled && u !== organizer) ?? users.at(-1)!;
    await h.control('PATCH', `/tenants/${h.tenantId}/users/${noMailbox.id}`, { mailboxEnabled: false });
    const disabled = await h.graph(
      writerToken,
      `/users/${noMailbox.id}/calendarView?startDateTime=2030-01-01&endDateTime=2030-01-02`,
    );
    assert.equal(disabled.status, 404);
    assert.equal(disabled.body.error.code, 'MailboxNotEnabledForRESTAPI');

    const group = await h.control(
      'POST',
      `/tenants/${h.tenantId}/mailEnabledSecurityGroups`,
      { displayName: 'No calendar robots', mailNickname: 'no-calendar-robots', members: [bob.id] },
      201,
    );
    await h.control(
      'POST',
      `/tenants/${h.tenantId}/applicationAccessPolicies`,
      { appId: writerAppId, scopeGroupId: group.id, accessRight: 'DenyAccess' },
      201,
    );
    try {
      const blocked = await h.graph(writerToken, `/users/${bob.id}/calendar`);
      assert.equal(blocked.status, 403);
      assert.equal(blocked.body.error.code, 'ErrorAccessDenied');
      assert.equal(blocked.body.error.message, 'Access to OData is disabled.');
      assert.equal(
        (await h.graph(writerToken, `/users/${alice.id}/calendar`)).status,
        200,
        'other mailboxes stay open',
      );
    } finally {
      await h.control('DELETE', `/tenants/${h.tenantId}/applicationAccessPolicies`, undefined, 204);
    }
  });

  test('control API: an event for a user, with 404 for an unknown user and 400 for a bad body', async () => {
    const created = await h.control(
      'POST',
      `/tenants/${h.tenantId}/users/${alice.userPrincipalName}/events`,
      {
        subject: 'Company holiday',
        start: '2030-12-25T00:00:00Z',
        end: '2030-12-26T00:00:00Z',
        isAllDay: true,
        showAs: 'oof',
        attendees: [bob.userPrincipalName],
      },
      201,
    );
    assert.equal(created.isAllDay, true);
    const bobs = await sdk.api(`/users/${bob.id}/events`).filter(`iCalUId eq '${created.iCalUId}'`).get();
    assert.equal(bobs.value.length, 1, 'the attendee gets a copy');
    await h.control(
      'POST',
      `/tenants/${h.tenantId}/users/nobody/events`,
      { subject: 'x', start: '2030-01-01', end: '2030-01-01' },
      404,
    );
    await h.control(
      'POST',
      `/tenants/${h.tenantId}/users/${alice.id}/events`,
      { subject: 'x', start: 'soon', end: 'later' },
      400,
    );
  });
});
