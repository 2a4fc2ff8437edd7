import type { FastifyInstance } from 'fastify';
import type { GraphCall, GraphContext } from '../context.js';
import { entity } from '../odata/collection.js';
import { mailboxErrors } from '../outlook/mailbox.js';
import { mailRoute, type OpenMailbox, openMailbox } from './access.js';
import { composeMessage, makeAttachment } from './compose.js';
import { mailErrors } from './errors.js';
import { DRAFT_ONLY, type MessageInput, readAttachment, readMessageInput } from './input.js';
import { ATTACHMENT_PROPERTIES, attachmentJson, messageJson, projectMessage } from './json.js';
import { assertMessageSelect, listMessages } from './list.js';
import {
  findFolder,
  folderByName,
  insertMessage,
  isWellFormedId,
  type Mailbox,
  type MailFolder,
  publishMessage,
  relocateMessage,
  type StoredMessage,
  touchMessage,
} from './mailbox.js';
import { MAIL_PERMISSIONS as P } from './permissions.js';

/** POST …/attachments takes attachments under 3 MB (message-post-attachments.md); larger ones need an upload session. */
export const MAX_ATTACHMENT_BYTES = 3 * 1024 * 1024;

/** A folder named by ID or well-known name; malformed IDs and unknown folders fail as Exchange does. */
export function folderOf(mailbox: Mailbox, idOrName: string): MailFolder {
  const folder = findFolder(mailbox, idOrName);
  if (folder) return folder;
  throw isWellFormedId(idOrName) ? mailboxErrors.itemNotFound() : mailErrors.malformedId();
}

/** The message of the route; under `mailFolders/{id}/messages/{id}` it must be in that folder. */
export function messageOf(call: GraphCall, mailbox: Mailbox): StoredMessage {
  const id = call.params.messageId!;
  if (!isWellFormedId(id)) throw mailErrors.malformedId();
  const message = mailbox.messages.get(id);
  if (!message) throw mailboxErrors.itemNotFound();
  if (call.params.folderId !== undefined && folderOf(mailbox, call.params.folderId).id !== message.folderId) {
    throw mailboxErrors.itemNotFound();
  }
  return message;
}

/** The attachment the route's `:attachmentId` names on a message, or Outlook's itemNotFound. */
function attachmentOf(call: GraphCall, message: StoredMessage): StoredMessage['attachments'][number] {
  const attachment = message.attachments.find((a) => a.id === call.params.attachmentId);
  if (!attachment) throw mailboxErrors.itemNotFound();
  return attachment;
}

/** Messages of every folder a client can see (the hidden Recoverable Items folder is not one). */
export function visibleMessages(mailbox: Mailbox): StoredMessage[] {
  return [...mailbox.messages.values()].filter((m) => !mailbox.folders.get(m.folderId)?.isHidden);
}

function messageEntity(call: GraphCall, open: OpenMailbox, message: StoredMessage) {
  assertMessageSelect(call.query.select);
  const selected = call.query.select ? `(${call.query.select.join(',')})` : '';
  return {
    '@odata.context': `${call.origin}/v1.0/$metadata#users('${open.owner.id}')/messages${selected}/$entity`,
    ...projectMessage(message, messageJson(message, open.view), call.query.select),
  };
}

function created(body: object) {
  return { status: 201, body };
}

function applyInput(message: StoredMessage, input: MessageInput): void {
  const { attachments: _attachments, ...fields } = input;
  Object.assign(message, fields);
  if (input.from !== undefined && input.sender === undefined) message.sender = input.from;
}

const messagePaths = (suffix = '') => [
  `/messages/:messageId${suffix}`,
  `/mailFolders/:folderId/messages/:messageId${suffix}`,
];

export function registerMessageRoutes(app: FastifyInstance, ctx: GraphContext): void {
  const publish = (call: GraphCall, open: OpenMailbox, id: string, type: 'created' | 'updated' | 'deleted') =>
    publishMessage(ctx.events, call.tenant, open.owner.id, id, type);
  const now = () => ctx.clock.now();

  mailRoute(app, ctx, {
    method: 'GET',
    paths: ['/messages'],
    permissions: P.listMessages,
    handler: (call) => {
      const open = openMailbox(call, 'read');
      return listMessages(call, visibleMessages(open.mailbox), open.view, `users('${open.owner.id}')/messages`);
    },
  });

  mailRoute(app, ctx, {
    method: 'GET',
    paths: messagePaths(),
    permissions: P.getMessage,
    handler: (call) => {
      const open = openMailbox(call, 'read');
      return messageEntity(call, open, messageOf(call, open.mailbox));
    },
  });

  mailRoute(app, ctx, {
    method: 'POST',
    paths: ['/messages', '/mailFolders/:folderId/messages'],
    permissions: P.createMessage,
    handler: (call) => {
      const open = openMailbox(call, 'write');
      const input = readMessageInput(call.body, true);
      const folder = call.params.folderId
        ? folderOf(open.mailbox, call.params.folderId)
        : folderByName(open.mailbox, 'drafts');
      const message = composeMessage({
        folderId: folder.id,
        subject: input.subject ?? '',
        body: input.body ?? { contentType: 'text', content: '' },
        from: input.from ?? null,
        sender: input.sender ?? input.from ?? null,
        toRecipients: input.toRecipients ?? [],
        ccRecipients: input.ccRecipients ?? [],
        bccRecipients: input.bccRecipients ?? [],
        replyTo: input.replyTo ?? [],
        receivedMs: now(),
        sentMs: null,
        isRead: true,
        isDraft: true,
        importance: input.importance ?? 'normal',
        categories: input.categories ?? [],
        attachments: (input.attachments ?? []).map((a) => makeAttachment(a, now())),
      });
      applyInput(message, input);
      insertMessage(open.mailbox, message);
      publish(call, open, message.id, 'created');
      return created(messageEntity(call, open, message));
    },
  });

  mailRoute(app, ctx, {
    method: 'PATCH',
    paths: messagePaths(),
    permissions: P.updateMessage,
    handler: (call) => {
      const open = openMailbox(call, 'write');
      const message = messageOf(call, open.mailbox);
      const input = readMessageInput(call.body, false);
      if (!message.isDraft && DRAFT_ONLY.some((key) => key in input)) throw mailErrors.sentMessageUpdate();
      applyInput(message, input);
      touchMessage(open.mailbox, message, now());
      publish(call, open, message.id, 'updated');
      return messageEntity(call, open, message);
    },
  });

  mailRoute(app, ctx, {
    method: 'DELETE',
    paths: messagePaths(),
    permissions: P.deleteMessage,
    handler: (call) => {
      const open = openMailbox(call, 'write');
      const message = messageOf(call, open.mailbox);
      const dumpster = folderByName(open.mailbox, 'recoverableitemsdeletions');
      if (message.folderId === dumpster.id) throw mailErrors.cannotDelete();
      // DELETE is a soft delete: the item goes to Recoverable Items (not to Deleted Items), out of the client's view.
      relocateMessage(open.mailbox, message, dumpster, now(), false);
      publish(call, open, message.id, 'deleted');
      return undefined;
    },
  });

  for (const action of ['move', 'copy'] as const) {
    mailRoute(app, ctx, {
      method: 'POST',
      paths: messagePaths(`/${action}`),
      permissions: action === 'move' ? P.moveMessage : P.copyMessage,
      handler: (call) => {
        const open = openMailbox(call, 'write');
        const message = messageOf(call, open.mailbox);
        const body = (call.body ?? {}) as { destinationId?: unknown };
        if (typeof body.destinationId !== 'string' || body.destinationId === '') {
          throw mailErrors.missingParameter('DestinationId');
        }
        const destination = folderOf(open.mailbox, body.destinationId);
        const result = relocateMessage(open.mailbox, message, destination, now(), action === 'copy');
        if (action === 'move') publish(call, open, message.id, 'deleted');
        publish(call, open, result.id, 'created');
        return created(messageEntity(call, open, result));
      },
    });
  }

  registerAttachmentRoutes(app, ctx);
}

function attachmentSpec(owner: string, messageId: string) {
  return {
    context: `users('${owner}')/messages('${messageId}')/attachments`,
    properties: ATTACHMENT_PROPERTIES,
    typeName: 'attachment',
  };
}

function registerAttachmentRoutes(app: FastifyInstance, ctx: GraphContext): void {
  mailRoute(app, ctx, {
    method: 'GET',
    paths: messagePaths('/attachments'),
    permissions: P.listAttachments,
    handler: (call) => {
      const open = openMailbox(call, 'read');
      const message = messageOf(call, open.mailbox);
      const spec = attachmentSpec(open.owner.id, message.id);
      const rows = message.attachments.map((a) => entity(call, spec.context, attachmentJson(a), spec));
      return {
        '@odata.context': `${call.origin}/v1.0/$metadata#${spec.context}`,
        value: rows.map(({ '@odata.context': _c, ...rest }) => rest),
      };
    },
  });

  mailRoute(app, ctx, {
    method: 'GET',
    paths: messagePaths('/attachments/:attachmentId'),
    permissions: P.getAttachment,
    handler: (call) => {
      const open = openMailbox(call, 'read');
      const message = messageOf(call, open.mailbox);
      const attachment = attachmentOf(call, message);
      const spec = attachmentSpec(open.owner.id, message.id);
      return entity(call, spec.context, attachmentJson(attachment), spec);
    },
  });

  mailRoute(app, ctx, {
    method: 'GET',
    paths: messagePaths('/attachments/:attachmentId/$value'),
    permissions: P.getAttachment,
    handler: (call) => {
      const open = openMailbox(call, 'read');
      const message = messageOf(call, open.mailbox);
      const attachment = attachmentOf(call, message);
      return { status: 200, body: Buffer.from(attachment.contentBytes, 'base64'), contentType: attachment.contentType };
    },
  });

  mailRoute(app, ctx, {
    method: 'POST',
    paths: messagePaths('/attachments'),
    permissions: P.addAttachment,
    handler: (call) => {
      const open = openMailbox(call, 'write');
      const message = messageOf(call, open.mailbox);
      const input = readAttachment(call.body);
      if (Buffer.from(input.contentBytes, 'base64').length >= MAX_ATTACHMENT_BYTES)
        throw mailErrors.messageSizeExceeded();
      const attachment = makeAttachment(input, ctx.clock.now());
      message.attachments.push(attachment);
      touchMessage(open.mailbox, message, ctx.clock.now());
      publishMessage(ctx.events, call.tenant, open.owner.id, message.id, 'updated');
      const spec = attachmentSpec(open.owner.id, message.id);
      return { status: 201, body: entity(call, spec.context, attachmentJson(attachment), spec) };
    },
  });

  mailRoute(app, ctx, {
    method: 'DELETE',
    paths: messagePaths('/attachments/:attachmentId'),
    permissions: P.deleteAttachment,
    handler: (call) => {
      const open = openMailbox(call, 'write');
      const message = messageOf(call, open.mailbox);
      message.attachments.splice(message.attachments.indexOf(attachmentOf(call, message)), 1);
      touchMessage(open.mailbox, message, ctx.clock.now());
      publishMessage(ctx.events, call.tenant, open.owner.id, message.id, 'updated');
      return undefined;
    },
  });
}
