import type { FastifyInstance } from 'fastify';
import type { User } from '../../tenant/model.js';
import type { GraphCall, GraphContext, GraphResult } from '../context.js';
import { hasMailboxRight } from '../outlook/mail-rights.js';
import { mailboxErrors, resolveMailbox } from '../outlook/mailbox.js';
import type { EndpointPermissions } from '../permissions.js';
import { graphRoute } from '../route.js';
import type { MessageView } from './json.js';
import type { Mailbox } from './mailbox.js';
import { mailboxOf } from './store.js';

/** The `.Shared` delegated permissions that open another user's mailbox, per kind of access. */
export const SHARED_SCOPES = {
  read: ['Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  write: ['Mail.ReadWrite.Shared'],
  send: ['Mail.Send.Shared'],
  none: [] as string[],
};

/** Permissions that include message bodies (Mail.ReadBasic(.All) alone does not). */
const FULL_READ = ['mail.read', 'mail.readwrite', 'mail.read.shared', 'mail.readwrite.shared'];

export interface OpenMailbox {
  owner: User;
  mailbox: Mailbox;
  view: MessageView;
}

/** The user whose mailbox a route names (`/users/{id}` or the signed-in user for `/me`), for throttling. */
export function mailboxKey(call: GraphCall): string {
  const param = call.params.id;
  if (param === undefined) return call.caller.user?.id ?? 'me';
  return call.ctx.directory.findUser(call.tenant, param)?.id ?? param.toLowerCase();
}

function viewOf(call: GraphCall): MessageView {
  const held = (call.caller.kind === 'app' ? call.caller.roles : call.caller.scopes).map((p) => p.toLowerCase());
  const prefer = String(call.request.headers.prefer ?? '');
  return {
    basicOnly: !held.some((p) => FULL_READ.includes(p)),
    bodyType: /outlook\.body-content-type\s*=\s*"?text"?/i.test(prefer) ? 'text' : 'html',
  };
}

/**
 * Opens the mailbox a request names. Beyond resolveMailbox (user, mailbox, access policy, `.Shared` scope), a
 * delegated caller in someone else's mailbox needs Full Access to it, as in Exchange (sendMail checks its own
 * rights and answers ErrorSendAsDenied).
 */
export function openMailbox(call: GraphCall, access: keyof typeof SHARED_SCOPES): OpenMailbox {
  const owner = resolveMailbox(call, call.params.id, SHARED_SCOPES[access]);
  const signedIn = call.caller.user;
  if (call.caller.kind === 'user' && signedIn && signedIn.id !== owner.id && access !== 'send') {
    if (!hasMailboxRight(call.tenant, owner.id, signedIn.id, 'FullAccess')) throw mailboxErrors.accessDenied();
  }
  return { owner, mailbox: mailboxOf(call.tenant, owner, call.ctx.clock.now()), view: viewOf(call) };
}

const meRows = new WeakMap<EndpointPermissions, EndpointPermissions>();

/** The `/me/…` twin of a `/users/{id}/…` row: delegated only (an app token gets Graph's /me error). */
function meRow(row: EndpointPermissions): EndpointPermissions {
  let me = meRows.get(row);
  if (!me) {
    me = {
      ...row,
      id: `${row.id}.me`,
      path: row.path.replace('/users/{id or userPrincipalName}', '/me'),
      application: null,
    };
    meRows.set(row, me);
  }
  return me;
}

export interface MailRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Paths below the user, e.g. `/messages/:messageId`; each is served under `/users/:id` and `/me`. */
  paths: string[];
  permissions: EndpointPermissions;
  handler: (call: GraphCall) => Promise<GraphResult | object | undefined> | GraphResult | object | undefined;
}

/**
 * Registers a mail endpoint for `/users/{id | userPrincipalName}` and `/me`, counted against the mailbox's Outlook
 * limits (the route helper holds the mailbox slot while the store works, so concurrent requests really overlap).
 */
export function mailRoute(app: FastifyInstance, ctx: GraphContext, route: MailRoute): void {
  const handler = (call: GraphCall) => route.handler(call);
  for (const path of route.paths) {
    const common = { method: route.method, mailbox: mailboxKey, handler };
    graphRoute(app, ctx, { ...common, url: `/users/:id${path}`, permissions: route.permissions });
    graphRoute(app, ctx, { ...common, url: `/me${path}`, permissions: meRow(route.permissions) });
  }
}
