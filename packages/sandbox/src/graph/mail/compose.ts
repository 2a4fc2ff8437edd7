import { randomBytes } from 'node:crypto';
import {
  changeKey,
  type Importance,
  type ItemBody,
  isoSeconds,
  itemId,
  type Recipient,
  type StoredAttachment,
  type StoredMessage,
} from './mailbox.js';

/** What a new message is made of; the rest (IDs, keys, timestamps) is filled in. */
export interface MessageDraft {
  folderId: string;
  subject: string;
  body: ItemBody;
  from: Recipient | null;
  sender?: Recipient | null;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  bccRecipients?: Recipient[];
  replyTo?: Recipient[];
  receivedMs: number;
  sentMs: number | null;
  isRead: boolean;
  isDraft: boolean;
  importance?: Importance;
  categories?: string[];
  conversationId?: string;
  internetMessageId?: string;
  attachments?: StoredAttachment[];
  /** Seed for stable IDs (seeded mailboxes); random otherwise. */
  seed?: string;
}

/** Plain text of an HTML body (tags dropped, common entities decoded, whitespace collapsed). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Outlook stores bodies as full HTML documents. */
export function htmlDocument(inner: string): string {
  return `<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>${inner}</body></html>`;
}

/** bodyPreview: the first 255 characters of the body as text. */
export function previewOf(body: ItemBody): string {
  const text = body.contentType === 'html' ? htmlToText(body.content) : body.content;
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}

function conversationIdFor(seed: string | undefined): string {
  return `AAQkA${itemId(`conversation/${seed ?? randomBytes(16).toString('hex')}`).slice(5, 60)}=`;
}

function internetMessageIdFor(domain: string): string {
  return `<${randomBytes(12).toString('hex').toUpperCase()}@${domain}>`;
}

export function composeMessage(draft: MessageDraft): StoredMessage {
  const received = isoSeconds(draft.receivedMs);
  const fromDomain = draft.from?.emailAddress.address.split('@')[1] ?? 'sandbox.local';
  const seed = draft.seed;
  return {
    id: itemId(seed && `${seed}/message`),
    folderId: draft.folderId,
    createdDateTime: received,
    lastModifiedDateTime: received,
    changeKey: changeKey(seed && `${seed}/changeKey`),
    categories: draft.categories ?? [],
    receivedDateTime: received,
    sentDateTime: draft.sentMs === null ? null : isoSeconds(draft.sentMs),
    internetMessageId: draft.internetMessageId ?? internetMessageIdFor(fromDomain.toUpperCase()),
    subject: draft.subject,
    importance: draft.importance ?? 'normal',
    conversationId: draft.conversationId ?? conversationIdFor(seed),
    conversationIndex: Buffer.from(`${draft.receivedMs}`).toString('base64'),
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: draft.isRead,
    isDraft: draft.isDraft,
    inferenceClassification: 'focused',
    body: draft.body,
    sender: draft.sender === undefined ? draft.from : draft.sender,
    from: draft.from,
    toRecipients: draft.toRecipients ?? [],
    ccRecipients: draft.ccRecipients ?? [],
    bccRecipients: draft.bccRecipients ?? [],
    replyTo: draft.replyTo ?? [],
    flag: { flagStatus: 'notFlagged' },
    attachments: draft.attachments ?? [],
    seq: 0,
    createdSeq: 0,
  };
}

export function makeAttachment(
  input: { name: string; contentType?: string; contentBytes: string; isInline?: boolean; contentId?: string | null },
  nowMs: number,
  seed?: string,
): StoredAttachment {
  return {
    id: itemId(seed && `${seed}/attachment`),
    name: input.name,
    contentType: input.contentType ?? 'application/octet-stream',
    size: Buffer.from(input.contentBytes, 'base64').length,
    isInline: input.isInline ?? false,
    contentId: input.contentId ?? null,
    lastModifiedDateTime: isoSeconds(nowMs),
    contentBytes: input.contentBytes,
  };
}

export function recipient(address: string, name?: string): Recipient {
  return { emailAddress: { name: name ?? address, address } };
}
