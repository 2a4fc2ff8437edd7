import type { FastifyInstance } from 'fastify';
import type { Directory } from '../../tenant/directory.js';
import type { Tenant, User } from '../../tenant/model.js';
import type { GraphCall, GraphContext } from '../context.js';
import type { ChangeBus } from '../notifications/bus.js';
import { hasMailboxRight } from '../outlook/mail-rights.js';
import { mailRoute, openMailbox } from './access.js';
import { composeMessage, makeAttachment, recipient } from './compose.js';
import { mailErrors } from './errors.js';
import { type MessageInput, readMessageInput } from './input.js';
import { folderByName, insertMessage, publishMessage, type Recipient, type StoredMessage } from './mailbox.js';
import { MAIL_PERMISSIONS as P } from './permissions.js';
import { mailboxOf } from './store.js';

/** A tenant user by e-mail address: UPN first (indexed by the directory), then the mail attribute. */
export function userByAddress(directory: Directory, tenant: Tenant, address: string): User | undefined {
  const lower = address.toLowerCase();
  const byUpn = directory.findUser(tenant, lower);
  if (byUpn) return byUpn;
  for (const user of tenant.users.values()) if (user.mail?.toLowerCase() === lower) return user;
  return undefined;
}

const asRecipient = (user: User): Recipient => recipient(user.mail ?? user.userPrincipalName, user.displayName);

/**
 * Delivers a copy of a sent message to the Inbox of every recipient who has a mailbox in the tenant (outside
 * addresses leave the sandbox). Bcc stays private to the sender. Each delivery is a `created` change.
 */
export function deliver(
  env: { directory: Directory; events: ChangeBus; nowMs: number },
  tenant: Tenant,
  sent: StoredMessage,
): StoredMessage[] {
  const addresses = new Set(
    [...sent.toRecipients, ...sent.ccRecipients, ...sent.bccRecipients].map((r) =>
      r.emailAddress.address.toLowerCase(),
    ),
  );
  const delivered: StoredMessage[] = [];
  for (const address of addresses) {
    const user = userByAddress(env.directory, tenant, address);
    if (!user?.mailboxEnabled) continue;
    const mailbox = mailboxOf(tenant, user, env.nowMs);
    const copy = composeMessage({
      folderId: folderByName(mailbox, 'inbox').id,
      subject: sent.subject,
      body: structuredClone(sent.body),
      from: sent.from,
      sender: sent.sender,
      toRecipients: sent.toRecipients,
      ccRecipients: sent.ccRecipients,
      replyTo: sent.replyTo,
      receivedMs: env.nowMs,
      sentMs: env.nowMs,
      isRead: false,
      isDraft: false,
      importance: sent.importance,
      conversationId: sent.conversationId,
      internetMessageId: sent.internetMessageId,
      attachments: sent.attachments.map((a) => makeAttachment(a, env.nowMs)),
    });
    insertMessage(mailbox, copy);
    publishMessage(env.events, tenant, user.id, copy.id, 'created');
    delivered.push(copy);
  }
  return delivered;
}

/** `{"message": …, "saveToSentItems": bool}` or a base64 MIME message (Content-Type: text/plain). */
function readSendBody(body: unknown): { input: MessageInput; saveToSentItems: boolean } {
  if (typeof body === 'string') return { input: readMime(body), saveToSentItems: true };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw mailErrors.missingParameter('Message');
  const { message, saveToSentItems, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw mailErrors.unknownBodyProperty(unknown, 'sendMail');
  if (message === undefined || message === null) throw mailErrors.missingParameter('Message');
  // The doc's own example sends "false" as a string.
  const save = saveToSentItems === undefined || saveToSentItems === true || saveToSentItems === 'true';
  if (
    saveToSentItems !== undefined &&
    typeof saveToSentItems !== 'boolean' &&
    !['true', 'false'].includes(String(saveToSentItems))
  ) {
    throw mailErrors.invalidValue('saveToSentItems');
  }
  return { input: readMessageInput(message, true), saveToSentItems: save };
}

/** A base64 RFC 822 message, reduced to what the sandbox keeps: From, To, Cc, Bcc, Subject and the text. */
function readMime(text: string): MessageInput {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 === 1)
    throw mailErrors.invalidMime();
  const raw = Buffer.from(compact, 'base64').toString('utf8');
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const list = (name: string) =>
    (headers.get(name) ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const match = /^(.*?)\s*<([^>]+)>$/.exec(part);
        return match ? recipient(match[2]!, match[1]!.replace(/^"|"$/g, '') || match[2]!) : recipient(part);
      });
  const input: MessageInput = {
    subject: headers.get('subject') ?? '',
    body: { contentType: 'text', content: rest.join('\n\n').trim() },
    toRecipients: list('to'),
    ccRecipients: list('cc'),
    bccRecipients: list('bcc'),
  };
  const from = list('from')[0];
  if (from) input.from = from;
  return input;
}

/**
 * Who the message goes out as. The acting user is the signed-in user (delegated) or the mailbox owner (app-only).
 * Posting to someone else's sendMail needs Full Access to that mailbox; sending as someone else needs Send As
 * (sender = from) or Send on Behalf (sender = the acting user). Anything else is ErrorSendAsDenied.
 */
function sendingIdentity(call: GraphCall, owner: User, input: MessageInput): { from: Recipient; sender: Recipient } {
  const actor = call.caller.kind === 'user' && call.caller.user ? call.caller.user : owner;
  if (actor.id !== owner.id && !hasMailboxRight(call.tenant, owner.id, actor.id, 'FullAccess')) {
    throw mailErrors.sendAsDenied();
  }
  const fromAddress = input.from?.emailAddress.address;
  const fromUser = fromAddress === undefined ? owner : userByAddress(call.ctx.directory, call.tenant, fromAddress);
  if (!fromUser) throw mailErrors.sendAsDenied();
  if (fromUser.id === actor.id) return { from: asRecipient(actor), sender: asRecipient(actor) };
  // A delegated caller sending as someone else needs Mail.Send.Shared besides the Exchange right.
  if (call.caller.kind === 'user' && !call.caller.scopes.some((s) => s.toLowerCase() === 'mail.send.shared')) {
    throw mailErrors.sendAsDenied();
  }
  if (hasMailboxRight(call.tenant, fromUser.id, actor.id, 'SendAs')) {
    return { from: asRecipient(fromUser), sender: asRecipient(fromUser) };
  }
  if (hasMailboxRight(call.tenant, fromUser.id, actor.id, 'SendOnBehalf')) {
    return { from: asRecipient(fromUser), sender: asRecipient(actor) };
  }
  throw mailErrors.sendAsDenied();
}

function assertRecipients(input: MessageInput): void {
  const all = [...(input.toRecipients ?? []), ...(input.ccRecipients ?? []), ...(input.bccRecipients ?? [])];
  if (all.length === 0) throw mailErrors.noRecipients();
  const bad = all.find((r) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r.emailAddress.address));
  if (bad) throw mailErrors.unresolvedRecipient(bad.emailAddress.address);
}

export function registerSendRoutes(app: FastifyInstance, ctx: GraphContext): void {
  mailRoute(app, ctx, {
    method: 'POST',
    paths: ['/sendMail'],
    permissions: P.sendMail,
    handler: (call) => {
      const { owner, mailbox } = openMailbox(call, 'send');
      const { input, saveToSentItems } = readSendBody(call.body);
      assertRecipients(input);
      const identity = sendingIdentity(call, owner, input);
      const nowMs = ctx.clock.now();
      const sent = composeMessage({
        folderId: folderByName(mailbox, 'sentitems').id,
        subject: input.subject ?? '',
        body: input.body ?? { contentType: 'text', content: '' },
        from: identity.from,
        sender: identity.sender,
        toRecipients: input.toRecipients ?? [],
        ccRecipients: input.ccRecipients ?? [],
        bccRecipients: input.bccRecipients ?? [],
        replyTo: input.replyTo ?? [],
        receivedMs: nowMs,
        sentMs: nowMs,
        isRead: true,
        isDraft: false,
        importance: input.importance ?? 'normal',
        categories: input.categories ?? [],
        attachments: (input.attachments ?? []).map((a) => makeAttachment(a, nowMs)),
      });
      if (saveToSentItems) {
        insertMessage(mailbox, sent);
        publishMessage(ctx.events, call.tenant, owner.id, sent.id, 'created');
      }
      deliver({ directory: ctx.directory, events: ctx.events, nowMs }, call.tenant, sent);
      return { status: 202 };
    },
  });
}
