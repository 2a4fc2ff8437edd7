import { createHash } from 'node:crypto';
import type { Tenant, User } from '../../tenant/model.js';

/**
 * Presence of Teams users, per tenant, seeded lazily and deterministically the first time a user's presence is
 * read. A user's effective presence combines the state of their Teams clients (`client`, moved by the control API),
 * the presence sessions applications keep for them (setPresence) and their preferred presence.
 */

export const AVAILABILITIES = [
  'Available',
  'AvailableIdle',
  'Away',
  'BeRightBack',
  'Busy',
  'BusyIdle',
  'DoNotDisturb',
  'Offline',
  'PresenceUnknown',
] as const;

export const ACTIVITIES = [
  'Available',
  'Away',
  'BeRightBack',
  'Busy',
  'DoNotDisturb',
  'InACall',
  'InAConferenceCall',
  'Inactive',
  'InAMeeting',
  'Offline',
  'OffWork',
  'OutOfOffice',
  'PresenceUnknown',
  'Presenting',
  'UrgentInterruptionsOnly',
] as const;

export type Availability = (typeof AVAILABILITIES)[number];
export type Activity = (typeof ACTIVITIES)[number];

export interface PresenceState {
  availability: Availability;
  activity: Activity;
}

/** An application's presence session for a user (setPresence): it lasts until `expiresAt`. */
interface AppSession extends PresenceState {
  expiresAt: number;
}

export interface StatusMessage {
  message: { content: string; contentType: 'text' | 'html' };
  publishedDateTime: string;
  /** Epoch ms; null = never expires. */
  expiresAt: number | null;
}

export interface UserPresence {
  id: string;
  /** What the user's Teams clients show (no application session involved). */
  client: PresenceState;
  sessions: Map<string, AppSession>;
  preferred: (PresenceState & { expiresAt: number }) | null;
  statusMessage: StatusMessage | null;
  outOfOffice: { message: string | null; isOutOfOffice: boolean };
}

const states = new WeakMap<Tenant, Map<string, UserPresence>>();

/** Seeded client states and their weights: most people are Available, Busy, Away or Offline. */
const SEED_MIX: [number, Availability, Activity][] = [
  [34, 'Available', 'Available'],
  [10, 'Busy', 'Busy'],
  [9, 'Busy', 'InAMeeting'],
  [5, 'Busy', 'InACall'],
  [1, 'Busy', 'InAConferenceCall'],
  [10, 'Away', 'Away'],
  [3, 'BeRightBack', 'BeRightBack'],
  [3, 'AvailableIdle', 'Available'],
  [2, 'BusyIdle', 'Busy'],
  [2, 'DoNotDisturb', 'Presenting'],
  [2, 'DoNotDisturb', 'DoNotDisturb'],
  [16, 'Offline', 'Offline'],
  [2, 'Offline', 'OffWork'],
  [1, 'Offline', 'OutOfOffice'],
];

const STATUS_MESSAGES = [
  'Heads down on the quarterly report, replies after 3 pm.',
  'Working from the Berlin office this week.',
  'On a customer visit, reachable by phone.',
  'Focus time until noon.',
  'Back from leave, catching up on mail.',
];

/** A number in [0, 1) from a stable hash of the key. */
export function unitHash(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

function seedPresence(tenant: Tenant, user: User): UserPresence {
  const presence: UserPresence = {
    id: user.id,
    client: { availability: 'PresenceUnknown', activity: 'PresenceUnknown' },
    sessions: new Map(),
    preferred: null,
    statusMessage: null,
    outOfOffice: { message: null, isOutOfOffice: false },
  };
  // Presence is a Teams feature: users without a licence have none to show.
  if (user.assignedLicenses.length === 0) return presence;
  if (!user.accountEnabled) {
    presence.client = { availability: 'Offline', activity: 'Offline' };
    return presence;
  }
  const total = SEED_MIX.reduce((sum, [weight]) => sum + weight, 0);
  let pick = unitHash(`${tenant.id}/${user.id}/presence`) * total;
  for (const [weight, availability, activity] of SEED_MIX) {
    pick -= weight;
    if (pick < 0) {
      presence.client = { availability, activity };
      break;
    }
  }
  if (presence.client.activity === 'OutOfOffice') {
    presence.outOfOffice = { message: 'I am out of the office and will reply when I am back.', isOutOfOffice: true };
  }
  const note = unitHash(`${tenant.id}/${user.id}/status`);
  if (note < 0.1) {
    presence.statusMessage = {
      message: { content: STATUS_MESSAGES[Math.floor(note * 10 * STATUS_MESSAGES.length)]!, contentType: 'text' },
      publishedDateTime: user.createdDateTime,
      expiresAt: null,
    };
  }
  return presence;
}

/** The user's presence record, seeded on first use. */
export function presenceOf(tenant: Tenant, user: User): UserPresence {
  let users = states.get(tenant);
  if (!users) {
    users = new Map();
    states.set(tenant, users);
  }
  let presence = users.get(user.id);
  if (!presence) {
    presence = seedPresence(tenant, user);
    users.set(user.id, presence);
  }
  return presence;
}

/** Among application sessions: DoNotDisturb > Busy > Available > Away (setPresence docs). */
const SESSION_PRECEDENCE: Availability[] = ['Away', 'BeRightBack', 'Available', 'Busy', 'DoNotDisturb'];

function activeSession(presence: UserPresence, now: number): PresenceState | undefined {
  let best: AppSession | undefined;
  for (const [id, session] of presence.sessions) {
    if (session.expiresAt <= now) {
      presence.sessions.delete(id);
      continue;
    }
    if (!best || SESSION_PRECEDENCE.indexOf(session.availability) > SESSION_PRECEDENCE.indexOf(best.availability)) {
      best = session;
    }
  }
  return best;
}

/**
 * What Graph shows now: the preferred presence while it lasts and the user has a session (a Teams client online
 * or an application session), else the application sessions' aggregate while one is unexpired, else the clients.
 */
export function effectivePresence(presence: UserPresence, now: number): PresenceState {
  const session = activeSession(presence, now);
  if (presence.preferred && presence.preferred.expiresAt <= now) presence.preferred = null;
  const online = session !== undefined || !['Offline', 'PresenceUnknown'].includes(presence.client.availability);
  if (presence.preferred && online) {
    return { availability: presence.preferred.availability, activity: presence.preferred.activity };
  }
  return session ? { availability: session.availability, activity: session.activity } : { ...presence.client };
}

function statusMessageJson(status: StatusMessage | null, now: number) {
  if (!status || (status.expiresAt !== null && status.expiresAt <= now)) return null;
  return {
    message: status.message,
    publishedDateTime: status.publishedDateTime,
    expiryDateTime:
      status.expiresAt === null
        ? null
        : { dateTime: new Date(status.expiresAt).toISOString().replace('Z', ''), timeZone: 'UTC' },
  };
}

/** The presence JSON Graph returns. */
export function presenceJson(presence: UserPresence, now: number): Record<string, unknown> {
  return {
    id: presence.id,
    ...effectivePresence(presence, now),
    statusMessage: statusMessageJson(presence.statusMessage, now),
    outOfOfficeSettings: { ...presence.outOfOffice },
  };
}

/** Presence of an ID that is no Teams user (getPresencesByUserId answers these instead of failing). */
export function unknownPresenceJson(id: string): Record<string, unknown> {
  return {
    id,
    availability: 'PresenceUnknown',
    activity: 'PresenceUnknown',
    statusMessage: null,
    outOfOfficeSettings: { message: null, isOutOfOffice: false },
  };
}

/** Compares what subscribers see, to publish a change only when there is one. */
export function presenceFingerprint(presence: UserPresence, now: number): string {
  return JSON.stringify(presenceJson(presence, now));
}
