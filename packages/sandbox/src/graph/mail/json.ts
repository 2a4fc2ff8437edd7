import type { FilterCapabilities, FilterOperator, PropertyCapability } from '../odata/filter/index.js';
import { escapeHtml, htmlDocument, htmlToText, previewOf } from './compose.js';
import type { Mailbox, MailFolder, StoredAttachment, StoredMessage } from './mailbox.js';

/** Properties of a message Graph returns without $select, in Graph's order. */
export const MESSAGE_DEFAULT_PROPERTIES = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
] as const;

/** Everything `$select` accepts on a message. */
export const MESSAGE_PROPERTIES: readonly string[] = [...MESSAGE_DEFAULT_PROPERTIES, 'uniqueBody'];

/** What Mail.ReadBasic / Mail.ReadBasic.All leave out. */
const BODY_PROPERTIES = ['body', 'bodyPreview', 'uniqueBody'];

export interface MessageView {
  /** Only Mail.ReadBasic(.All): no body, bodyPreview or uniqueBody. */
  basicOnly: boolean;
  /** `Prefer: outlook.body-content-type="text"` asks for text bodies; HTML otherwise. */
  bodyType: 'html' | 'text';
}

export const FULL_VIEW: MessageView = { basicOnly: false, bodyType: 'html' };

function renderBody(message: StoredMessage, bodyType: 'html' | 'text') {
  const { contentType, content } = message.body;
  if (bodyType === 'text') {
    return { contentType: 'text', content: contentType === 'html' ? htmlToText(content) : content };
  }
  return {
    contentType: 'html',
    content: contentType === 'html' ? content : htmlDocument(escapeHtml(content).replace(/\r?\n/g, '<br>')),
  };
}

export function webLinkOf(id: string): string {
  return `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`;
}

export function etagOf(message: StoredMessage): string {
  return `W/"${message.changeKey}"`;
}

/** The message as Graph serialises it (every property; callers project). */
export function messageJson(message: StoredMessage, view: MessageView): Record<string, unknown> {
  const body = renderBody(message, view.bodyType);
  const json: Record<string, unknown> = {
    id: message.id,
    createdDateTime: message.createdDateTime,
    lastModifiedDateTime: message.lastModifiedDateTime,
    changeKey: message.changeKey,
    categories: message.categories,
    receivedDateTime: message.receivedDateTime,
    sentDateTime: message.sentDateTime,
    hasAttachments: message.attachments.some((a) => !a.isInline),
    internetMessageId: message.internetMessageId,
    subject: message.subject,
    bodyPreview: previewOf(message.body),
    importance: message.importance,
    parentFolderId: message.folderId,
    conversationId: message.conversationId,
    conversationIndex: message.conversationIndex,
    isDeliveryReceiptRequested: message.isDeliveryReceiptRequested,
    isReadReceiptRequested: message.isReadReceiptRequested,
    isRead: message.isRead,
    isDraft: message.isDraft,
    webLink: webLinkOf(message.id),
    inferenceClassification: message.inferenceClassification,
    body,
    sender: message.sender,
    from: message.from,
    toRecipients: message.toRecipients,
    ccRecipients: message.ccRecipients,
    bccRecipients: message.bccRecipients,
    replyTo: message.replyTo,
    flag: message.flag,
    uniqueBody: body,
  };
  if (view.basicOnly) for (const key of BODY_PROPERTIES) delete json[key];
  return json;
}

/** `@odata.etag` and `id` always come first, then the selected (or default) properties. */
export function projectMessage(
  message: StoredMessage,
  json: Record<string, unknown>,
  select: string[] | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': etagOf(message), id: message.id };
  const keys = select ?? MESSAGE_DEFAULT_PROPERTIES;
  for (const key of keys) {
    const actual = MESSAGE_PROPERTIES.find((p) => p.toLowerCase() === key.toLowerCase());
    if (actual && actual in json) out[actual] = json[actual];
  }
  return out;
}

export const FOLDER_PROPERTIES = [
  'id',
  'displayName',
  'parentFolderId',
  'childFolderCount',
  'unreadItemCount',
  'totalItemCount',
  'sizeInBytes',
  'isHidden',
] as const;

export function folderJson(mailbox: Mailbox, folder: MailFolder): Record<string, unknown> {
  let total = 0;
  let unread = 0;
  let size = 0;
  let children = 0;
  for (const other of mailbox.folders.values()) if (other.parentFolderId === folder.id && !other.isHidden) children++;
  for (const message of mailbox.messages.values()) {
    if (message.folderId !== folder.id) continue;
    total++;
    if (!message.isRead) unread++;
    size += message.body.content.length + message.attachments.reduce((sum, a) => sum + a.size, 0);
  }
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentFolderId,
    childFolderCount: children,
    unreadItemCount: unread,
    totalItemCount: total,
    sizeInBytes: size,
    isHidden: folder.isHidden,
  };
}

export const ATTACHMENT_PROPERTIES = [
  'id',
  'lastModifiedDateTime',
  'name',
  'contentType',
  'size',
  'isInline',
  'contentId',
  'contentLocation',
  'contentBytes',
] as const;

export function attachmentJson(attachment: StoredAttachment): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.fileAttachment',
    '@odata.mediaContentType': attachment.contentType,
    id: attachment.id,
    lastModifiedDateTime: attachment.lastModifiedDateTime,
    name: attachment.name,
    contentType: attachment.contentType,
    size: attachment.size,
    isInline: attachment.isInline,
    contentId: attachment.contentId,
    contentLocation: null,
    contentBytes: attachment.contentBytes,
  };
}

// Outlook filters messages on most scalar properties with every comparison; `not` and `ne` need no special
// headers (unlike the directory).
const ALL_COMPARISONS: FilterOperator[] = ['eq', 'ne', 'not', 'gt', 'ge', 'lt', 'le', 'in', 'eqNull'];
const cap = (
  type: PropertyCapability['type'],
  basic: FilterOperator[],
  item?: Record<string, PropertyCapability>,
): PropertyCapability => (item ? { type, basic, item } : { type, basic });
const text = () => cap('string', [...ALL_COMPARISONS, 'startsWith']);
const flag = () => cap('boolean', ['eq', 'ne', 'not']);
const date = () => cap('datetime', ALL_COMPARISONS);
const addresses = () =>
  cap('objectCollection', ['any', 'not'], { 'emailAddress/address': text(), 'emailAddress/name': text() });

export const MESSAGE_FILTER: FilterCapabilities = {
  resource: 'Message',
  properties: {
    id: text(),
    receivedDateTime: date(),
    sentDateTime: date(),
    createdDateTime: date(),
    lastModifiedDateTime: date(),
    isRead: flag(),
    isDraft: flag(),
    hasAttachments: flag(),
    importance: text(),
    inferenceClassification: text(),
    subject: text(),
    conversationId: text(),
    internetMessageId: text(),
    parentFolderId: text(),
    'from/emailAddress/address': text(),
    'from/emailAddress/name': text(),
    'sender/emailAddress/address': text(),
    'sender/emailAddress/name': text(),
    'flag/flagStatus': text(),
    categories: cap('stringCollection', ['any', 'not', 'eq']),
    toRecipients: addresses(),
    ccRecipients: addresses(),
  },
};

/** messages/delta accepts only `receivedDateTime ge|gt {value}` (delta-query-messages.md). */
export const DELTA_FILTER: FilterCapabilities = {
  resource: 'Message',
  properties: { receivedDateTime: cap('datetime', ['ge', 'gt']) },
};
