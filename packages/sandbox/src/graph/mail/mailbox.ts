import { createHash, randomUUID } from 'node:crypto';
import type { Tenant } from '../../tenant/model.js';
import type { ChangeBus } from '../notifications/bus.js';

/**
 * An Outlook mailbox: its folders and messages, Exchange-looking IDs, and the change sequence that every write
 * advances so that delta can tell what changed since a token.
 */

export interface EmailAddress {
  name: string;
  address: string;
}

export interface Recipient {
  emailAddress: EmailAddress;
}

export interface ItemBody {
  contentType: 'text' | 'html';
  content: string;
}

export interface StoredAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId: string | null;
  lastModifiedDateTime: string;
  /** base64 */
  contentBytes: string;
}

export type Importance = 'low' | 'normal' | 'high';

export interface StoredMessage {
  id: string;
  folderId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  categories: string[];
  receivedDateTime: string;
  sentDateTime: string | null;
  internetMessageId: string;
  subject: string;
  importance: Importance;
  conversationId: string;
  conversationIndex: string;
  isDeliveryReceiptRequested: boolean;
  isReadReceiptRequested: boolean;
  isRead: boolean;
  isDraft: boolean;
  inferenceClassification: 'focused' | 'other';
  body: ItemBody;
  sender: Recipient | null;
  from: Recipient | null;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  replyTo: Recipient[];
  flag: { flagStatus: 'notFlagged' | 'flagged' | 'complete' };
  attachments: StoredAttachment[];
  /** Position in the mailbox's change sequence of the last change, and of the arrival in its folder. */
  seq: number;
  createdSeq: number;
}

export interface MailFolder {
  id: string;
  displayName: string;
  parentFolderId: string;
  /** inbox, drafts, ... for the default folders. */
  wellKnownName: string | null;
  isHidden: boolean;
}

/** A message that left a folder (moved out or deleted): delta reports it as `@removed`. */
export interface Tombstone {
  id: string;
  folderId: string;
  seq: number;
}

export interface AutomaticRepliesSetting {
  status: 'disabled' | 'alwaysEnabled' | 'scheduled';
  externalAudience: 'none' | 'contactsOnly' | 'all';
  internalReplyMessage: string;
  externalReplyMessage: string;
  scheduledStartDateTime: { dateTime: string; timeZone: string };
  scheduledEndDateTime: { dateTime: string; timeZone: string };
}

export interface MailboxSettings {
  archiveFolder: string;
  timeZone: string;
  delegateMeetingMessageDeliveryOptions: string;
  dateFormat: string;
  timeFormat: string;
  userPurpose: 'user' | 'shared';
  automaticRepliesSetting: AutomaticRepliesSetting;
  language: { locale: string; displayName: string };
  workingHours: {
    daysOfWeek: string[];
    startTime: string;
    endTime: string;
    timeZone: { name: string };
  };
}

export interface Mailbox {
  userId: string;
  folders: Map<string, MailFolder>;
  /** Well-known name (lower case) → folder id. */
  wellKnown: Map<string, string>;
  /** The root folder (msgfolderroot): the default folders are its children. */
  rootId: string;
  messages: Map<string, StoredMessage>;
  /** The mailbox's change counter: every insert, update and removal takes the next number. */
  seq: number;
  tombstones: Tombstone[];
  /** Delta tokens from before this point can no longer be answered (their sync state is gone). */
  syncFloor: number;
  settings: MailboxSettings;
}

/** Default folders (well-known names) in Outlook's order; the last one is hidden (where DELETE puts items). */
export const DEFAULT_FOLDERS: readonly { name: string; displayName: string; hidden?: boolean }[] = [
  { name: 'archive', displayName: 'Archive' },
  { name: 'deleteditems', displayName: 'Deleted Items' },
  { name: 'drafts', displayName: 'Drafts' },
  { name: 'inbox', displayName: 'Inbox' },
  { name: 'junkemail', displayName: 'Junk Email' },
  { name: 'outbox', displayName: 'Outbox' },
  { name: 'sentitems', displayName: 'Sent Items' },
  { name: 'recoverableitemsdeletions', displayName: 'Deletions', hidden: true },
];

/** How many removals a mailbox remembers for delta; older delta tokens get SyncStateNotFound. */
export const MAX_TOMBSTONES = 5_000;

function digest(text: string, algorithm = 'sha384'): string {
  return createHash(algorithm).update(text).digest('base64url');
}

/** An Exchange-looking opaque item ID (`AAMkA…=`), derived from the seed so seeded mailboxes are stable. */
export function itemId(seed: string = randomUUID()): string {
  return `AAMkA${digest(seed)}AAA=`;
}

/** Exchange IDs are base64 text starting with AAMk (items) or AQMk; anything else is malformed. */
export function isWellFormedId(id: string): boolean {
  return /^A[AQ]Mk[A-Za-z0-9_-]{8,}=*$/.test(id);
}

export function changeKey(seed: string = randomUUID()): string {
  return `CQAAABYAAA${digest(seed, 'sha256').slice(0, 24)}`;
}

export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** A folder by ID or well-known name (case-insensitive), or undefined. */
export function findFolder(mailbox: Mailbox, idOrName: string): MailFolder | undefined {
  const byName = mailbox.wellKnown.get(idOrName.toLowerCase());
  return mailbox.folders.get(byName ?? idOrName);
}

export function folderByName(mailbox: Mailbox, name: string): MailFolder {
  return mailbox.folders.get(mailbox.wellKnown.get(name)!)!;
}

// ---- changes: every write takes the next sequence number, so delta can tell what changed since a token ----

export function insertMessage(mailbox: Mailbox, message: StoredMessage): StoredMessage {
  mailbox.seq += 1;
  message.seq = mailbox.seq;
  message.createdSeq = mailbox.seq;
  mailbox.messages.set(message.id, message);
  return message;
}

export function touchMessage(mailbox: Mailbox, message: StoredMessage, nowMs: number): void {
  mailbox.seq += 1;
  message.seq = mailbox.seq;
  message.lastModifiedDateTime = isoSeconds(nowMs);
  message.changeKey = changeKey();
}

export function removeMessage(mailbox: Mailbox, message: StoredMessage): void {
  mailbox.messages.delete(message.id);
  mailbox.seq += 1;
  mailbox.tombstones.push({ id: message.id, folderId: message.folderId, seq: mailbox.seq });
  if (mailbox.tombstones.length > MAX_TOMBSTONES) {
    const dropped = mailbox.tombstones.splice(0, mailbox.tombstones.length - MAX_TOMBSTONES);
    mailbox.syncFloor = Math.max(mailbox.syncFloor, dropped.at(-1)!.seq);
  }
}

/**
 * Moves (or copies) a message to another folder. As in Exchange the result is a new item with a new ID; a move
 * removes the original.
 */
export function relocateMessage(
  mailbox: Mailbox,
  message: StoredMessage,
  folder: MailFolder,
  nowMs: number,
  keepOriginal: boolean,
): StoredMessage {
  const now = isoSeconds(nowMs);
  const moved: StoredMessage = {
    ...structuredClone(message),
    id: itemId(),
    folderId: folder.id,
    lastModifiedDateTime: now,
    changeKey: changeKey(),
    attachments: message.attachments.map((a) => ({ ...a, id: itemId() })),
  };
  if (keepOriginal) moved.createdDateTime = now;
  else removeMessage(mailbox, message);
  return insertMessage(mailbox, moved);
}

/** Publishes a message change for change-notification subscriptions. */
export function publishMessage(
  events: ChangeBus,
  tenant: Tenant,
  userId: string,
  id: string,
  changeType: 'created' | 'updated' | 'deleted',
): void {
  events.publish({
    tenant,
    resource: `users/${userId}/messages/${id}`,
    changeType,
    odataType: '#microsoft.graph.message',
    id,
  });
}
