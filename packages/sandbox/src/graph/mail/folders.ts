import type { FastifyInstance } from 'fastify';
import type { GraphCall, GraphContext } from '../context.js';
import { linkWith } from '../odata/tokens.js';
import { mailRoute, openMailbox } from './access.js';
import { folderDelta } from './delta.js';
import { mailErrors } from './errors.js';
import { FOLDER_PROPERTIES, folderJson } from './json.js';
import { listMessages, queryOption } from './list.js';
import type { Mailbox, MailFolder } from './mailbox.js';
import { folderOf } from './messages.js';
import { MAIL_PERMISSIONS as P } from './permissions.js';

function assertFolderSelect(select: string[] | null): void {
  for (const key of select ?? []) {
    if (!FOLDER_PROPERTIES.some((p) => p.toLowerCase() === key.toLowerCase())) {
      throw mailErrors.unknownProperty(key, 'MailFolder');
    }
  }
}

function projectFolder(json: Record<string, unknown>, select: string[] | null): Record<string, unknown> {
  if (!select) return json;
  const out: Record<string, unknown> = { id: json.id };
  for (const key of FOLDER_PROPERTIES)
    if (select.some((s) => s.toLowerCase() === key.toLowerCase())) out[key] = json[key];
  return out;
}

/** Top-level folders (children of msgfolderroot) by display name; hidden ones only with includeHiddenFolders=true. */
function topLevelFolders(call: GraphCall, mailbox: Mailbox): MailFolder[] {
  const hidden = (queryOption(call, 'includeHiddenFolders') ?? '').toLowerCase() === 'true';
  return [...mailbox.folders.values()]
    .filter((f) => f.parentFolderId === mailbox.rootId && (hidden || !f.isHidden))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}

export function registerFolderRoutes(app: FastifyInstance, ctx: GraphContext): void {
  mailRoute(app, ctx, {
    method: 'GET',
    paths: ['/mailFolders'],
    permissions: P.listFolders,
    handler: (call) => {
      const { owner, mailbox } = openMailbox(call, 'read');
      assertFolderSelect(call.query.select);
      const folders = topLevelFolders(call, mailbox);
      const top = Math.min(Number(queryOption(call, 'top') ?? 10) || 10, 1_000);
      const skip = Math.max(0, Number(queryOption(call, 'skip') ?? 0) || 0);
      const selected = call.query.select ? `(${call.query.select.join(',')})` : '';
      const body: Record<string, unknown> = {
        '@odata.context': `${call.origin}/v1.0/$metadata#users('${owner.id}')/mailFolders${selected}`,
      };
      if (skip + top < folders.length) {
        body['@odata.nextLink'] = linkWith(call.origin, call.request.url, '$skip', String(skip + top));
      }
      body.value = folders.slice(skip, skip + top).map((f) => projectFolder(folderJson(mailbox, f), call.query.select));
      return body;
    },
  });

  mailRoute(app, ctx, {
    method: 'GET',
    paths: ['/mailFolders/:folderId'],
    permissions: P.getFolder,
    handler: (call) => {
      const { owner, mailbox } = openMailbox(call, 'read');
      assertFolderSelect(call.query.select);
      const folder = folderOf(mailbox, call.params.folderId!);
      const selected = call.query.select ? `(${call.query.select.join(',')})` : '';
      return {
        '@odata.context': `${call.origin}/v1.0/$metadata#users('${owner.id}')/mailFolders${selected}/$entity`,
        ...projectFolder(folderJson(mailbox, folder), call.query.select),
      };
    },
  });

  mailRoute(app, ctx, {
    method: 'GET',
    paths: ['/mailFolders/:folderId/messages'],
    permissions: P.listFolderMessages,
    handler: (call) => {
      const open = openMailbox(call, 'read');
      const folder = folderOf(open.mailbox, call.params.folderId!);
      const inFolder = [...open.mailbox.messages.values()].filter((m) => m.folderId === folder.id);
      const context = `users('${open.owner.id}')/mailFolders('${call.params.folderId}')/messages`;
      return listMessages(call, inFolder, open.view, context);
    },
  });

  mailRoute(app, ctx, {
    method: 'GET',
    paths: ['/mailFolders/:folderId/messages/delta', '/mailFolders/:folderId/messages/delta()'],
    permissions: P.messagesDelta,
    handler: (call) => {
      const open = openMailbox(call, 'read');
      const folder = folderOf(open.mailbox, call.params.folderId!);
      return folderDelta(call, open.owner, open.mailbox, folder, open.view);
    },
  });
}
