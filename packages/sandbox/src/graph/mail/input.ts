import { badRequest } from '../errors.js';
import { mailErrors } from './errors.js';
import type { Importance, ItemBody, Recipient, StoredMessage } from './mailbox.js';

export interface AttachmentInput {
  name: string;
  contentType?: string;
  contentBytes: string;
  isInline?: boolean;
  contentId?: string;
}

/** The writable part of a message, as a create, update or sendMail body gives it. */
export interface MessageInput {
  subject?: string;
  body?: ItemBody;
  from?: Recipient | null;
  sender?: Recipient | null;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  bccRecipients?: Recipient[];
  replyTo?: Recipient[];
  importance?: Importance;
  isRead?: boolean;
  isDeliveryReceiptRequested?: boolean;
  isReadReceiptRequested?: boolean;
  categories?: string[];
  flag?: StoredMessage['flag'];
  inferenceClassification?: StoredMessage['inferenceClassification'];
  attachments?: AttachmentInput[];
}

/** Read-only properties a client may echo back; Graph ignores them on input. */
const IGNORED = new Set([
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'bodyPreview',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDraft',
  'webLink',
  'uniqueBody',
  'internetMessageHeaders',
]);

/** Properties that only a draft may change. */
export const DRAFT_ONLY = [
  'subject',
  'body',
  'from',
  'sender',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readRecipient(value: unknown, name: string): Recipient {
  if (!isObject(value) || !isObject(value.emailAddress)) throw mailErrors.invalidValue(name);
  const { address, name: display } = value.emailAddress;
  if (typeof address !== 'string' || (display !== undefined && display !== null && typeof display !== 'string')) {
    throw mailErrors.invalidValue(name);
  }
  return { emailAddress: { name: typeof display === 'string' ? display : address, address } };
}

function readRecipients(value: unknown, name: string): Recipient[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw mailErrors.invalidValue(name);
  return value.map((r) => readRecipient(r, name));
}

function readBody(value: unknown): ItemBody {
  if (!isObject(value)) throw mailErrors.invalidValue('body');
  const type = readEnum(value.contentType ?? 'text', ['text', 'html'] as const, 'bodyType');
  if (value.content !== undefined && value.content !== null && typeof value.content !== 'string') {
    throw mailErrors.invalidValue('body');
  }
  return { contentType: type, content: (value.content as string | null | undefined) ?? '' };
}

function readEnum<T extends string>(value: unknown, allowed: readonly T[], type: string): T {
  const found = allowed.find((a) => typeof value === 'string' && a.toLowerCase() === value.toLowerCase());
  if (!found) throw mailErrors.invalidEnum(value, type);
  return found;
}

function readBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw mailErrors.invalidValue(name);
  return value;
}

/** A fileAttachment body (the only attachment type the sandbox stores). */
export function readAttachment(value: unknown): AttachmentInput {
  if (!isObject(value)) throw mailErrors.invalidValue('attachment');
  const type = value['@odata.type'];
  if (typeof type !== 'string' || type.replace(/^#/, '').toLowerCase() !== 'microsoft.graph.fileattachment') {
    throw badRequest(
      type === undefined
        ? "The property '@odata.type' is required: only '#microsoft.graph.fileAttachment' is supported."
        : `The attachment type '${String(type)}' is not supported; use '#microsoft.graph.fileAttachment'.`,
      'ErrorInvalidRequest',
    );
  }
  if (typeof value.name !== 'string' || value.name === '') throw mailErrors.invalidValue('name');
  if (typeof value.contentBytes !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(value.contentBytes)) {
    throw mailErrors.invalidValue('contentBytes');
  }
  const out: AttachmentInput = { name: value.name, contentBytes: value.contentBytes.replace(/\s+/g, '') };
  if (typeof value.contentType === 'string') out.contentType = value.contentType;
  if (typeof value.isInline === 'boolean') out.isInline = value.isInline;
  if (typeof value.contentId === 'string') out.contentId = value.contentId;
  return out;
}

/** Parses a message body; unknown properties fail as OData does, read-only ones are ignored. */
export function readMessageInput(raw: unknown, allowAttachments: boolean): MessageInput {
  if (!isObject(raw)) throw badRequest('Empty Payload. JSON content expected.', 'BadRequest');
  const input: MessageInput = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'subject':
        if (value !== null && typeof value !== 'string') throw mailErrors.invalidValue(key);
        input.subject = value ?? '';
        break;
      case 'body':
        input.body = readBody(value);
        break;
      case 'from':
      case 'sender':
        input[key] = value === null ? null : readRecipient(value, key);
        break;
      case 'toRecipients':
      case 'ccRecipients':
      case 'bccRecipients':
      case 'replyTo':
        input[key] = readRecipients(value, key);
        break;
      case 'importance':
        input.importance = readEnum(value, ['low', 'normal', 'high'] as const, 'importance');
        break;
      case 'isRead':
      case 'isDeliveryReceiptRequested':
      case 'isReadReceiptRequested':
        input[key] = readBoolean(value, key);
        break;
      case 'categories':
        if (!Array.isArray(value) || value.some((c) => typeof c !== 'string')) throw mailErrors.invalidValue(key);
        input.categories = value as string[];
        break;
      case 'flag':
        if (!isObject(value)) throw mailErrors.invalidValue(key);
        input.flag = {
          flagStatus: readEnum(
            value.flagStatus ?? 'notFlagged',
            ['notFlagged', 'flagged', 'complete'] as const,
            'followupFlagStatus',
          ),
        };
        break;
      case 'inferenceClassification':
        input.inferenceClassification = readEnum(value, ['focused', 'other'] as const, 'inferenceClassificationType');
        break;
      case 'attachments':
        if (!allowAttachments) throw mailErrors.unknownBodyProperty(key, 'message');
        if (!Array.isArray(value)) throw mailErrors.invalidValue(key);
        input.attachments = value.map(readAttachment);
        break;
      default:
        if (!IGNORED.has(key) && !key.startsWith('@odata.')) throw mailErrors.unknownBodyProperty(key, 'message');
    }
  }
  return input;
}
