import type { Tenant, User } from '../../tenant/model.js';
import { DEFAULT_FOLDERS, itemId, type Mailbox, type MailboxSettings, type MailFolder } from './mailbox.js';
import { seedMailbox } from './seed.js';

/**
 * The Outlook mail store of a sandbox tenant: one mailbox per user, created (and seeded) the first time anything
 * touches it, so a tenant of 100,000 users costs nothing until its mailboxes are used.
 */

interface MailState {
  mailboxes: Map<string, Mailbox>;
  /** Users created as shared mailboxes through the control API. */
  sharedMailboxes: Set<string>;
}

const states = new WeakMap<Tenant, MailState>();

function stateOf(tenant: Tenant): MailState {
  let state = states.get(tenant);
  if (!state) {
    state = { mailboxes: new Map(), sharedMailboxes: new Set() };
    states.set(tenant, state);
  }
  return state;
}

export function markShared(tenant: Tenant, userId: string): void {
  stateOf(tenant).sharedMailboxes.add(userId);
}

export function isShared(tenant: Tenant, userId: string): boolean {
  return stateOf(tenant).sharedMailboxes.has(userId);
}

/** The user's mailbox, seeded on first use with folders and about 20 messages of the last 60 days. */
export function mailboxOf(tenant: Tenant, user: User, nowMs: number): Mailbox {
  const state = stateOf(tenant);
  let mailbox = state.mailboxes.get(user.id);
  if (!mailbox) {
    mailbox = emptyMailbox(tenant, user);
    seedMailbox(tenant, user, mailbox, nowMs);
    state.mailboxes.set(user.id, mailbox);
  }
  return mailbox;
}

function emptyMailbox(tenant: Tenant, user: User): Mailbox {
  const root = itemId(`${tenant.id}/${user.id}/folder/msgfolderroot`);
  const folders = new Map<string, MailFolder>([
    [
      root,
      {
        id: root,
        displayName: 'Top of Information Store',
        parentFolderId: itemId(`${tenant.id}/${user.id}/folder/root`),
        wellKnownName: 'msgfolderroot',
        isHidden: false,
      },
    ],
  ]);
  const wellKnown = new Map<string, string>([['msgfolderroot', root]]);
  for (const folder of DEFAULT_FOLDERS) {
    const id = itemId(`${tenant.id}/${user.id}/folder/${folder.name}`);
    folders.set(id, {
      id,
      displayName: folder.displayName,
      parentFolderId: root,
      wellKnownName: folder.name,
      isHidden: folder.hidden ?? false,
    });
    wellKnown.set(folder.name, id);
  }
  return {
    userId: user.id,
    folders,
    wellKnown,
    rootId: root,
    messages: new Map(),
    seq: 0,
    tombstones: [],
    syncFloor: 0,
    settings: defaultSettings(tenant, user, wellKnown.get('archive')!),
  };
}

function defaultSettings(tenant: Tenant, user: User, archiveFolder: string): MailboxSettings {
  const us = (user.usageLocation ?? tenant.countryLetterCode) === 'US';
  const timeZone = us ? 'Pacific Standard Time' : 'GMT Standard Time';
  return {
    archiveFolder,
    timeZone,
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
    dateFormat: us ? 'M/d/yyyy' : 'dd/MM/yyyy',
    timeFormat: us ? 'h:mm tt' : 'HH:mm',
    userPurpose: isShared(tenant, user.id) ? 'shared' : 'user',
    automaticRepliesSetting: {
      status: 'disabled',
      externalAudience: 'all',
      internalReplyMessage: '',
      externalReplyMessage: '',
      scheduledStartDateTime: { dateTime: '2024-01-01T08:00:00.0000000', timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: '2024-01-02T08:00:00.0000000', timeZone: 'UTC' },
    },
    language: us
      ? { locale: 'en-US', displayName: 'English (United States)' }
      : { locale: 'en-GB', displayName: 'English (United Kingdom)' },
    workingHours: {
      daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      startTime: '08:00:00.0000000',
      endTime: '17:00:00.0000000',
      timeZone: { name: timeZone },
    },
  };
}
