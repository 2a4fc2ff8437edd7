import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphCall, GraphContext } from '../context.js';
import { GraphError } from '../errors.js';
import { entity } from '../odata/collection.js';
import { type GraphRoute, graphRoute } from '../route.js';
import {
  assertDriveAccess,
  chargeUnits,
  driveById,
  driveOfMe,
  driveOfUser,
  readBytes,
  requirePermission,
  siteOf,
  stateOf,
} from './access.js';
import { deltaToken, driveDelta } from './delta.js';
import {
  createChild,
  deleteItem,
  downloadContent,
  itemEntity,
  listChildren,
  parseTarget,
  resolveItem,
  type Target,
  updateItem,
  uploadContent,
} from './items.js';
import { DRIVE_PROPERTIES, driveJson, siteJson } from './json.js';
import { type Access, row } from './permissions.js';
import { createLink, deletePermission, getPermission, invite, listPermissions, sharePointSettings } from './sharing.js';
import { type Drive, rootSite } from './store.js';
import { createUploadSession, startCopy } from './transfer.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How a route prefix finds its drive: `/drives/{id}`, `/users/{id}/drive`, `/me/drive`, `/sites/{id}/drive`. */
interface DrivePrefix {
  url: string;
  docs: string;
  drive: (call: GraphCall) => Drive;
}

const PREFIXES: DrivePrefix[] = [
  { url: '/drives/:driveId', docs: '/drives/{drive-id}', drive: (call) => driveById(call, call.params.driveId!) },
  { url: '/users/:id/drive', docs: '/users/{id}/drive', drive: (call) => driveOfUser(call, call.params.id!) },
  { url: '/me/drive', docs: '/me/drive', drive: (call) => driveOfMe(call) },
  {
    url: '/sites/:siteId/drive',
    docs: '/sites/{site-id}/drive',
    drive: (call) => driveById(call, siteOf(call, call.params.siteId!).driveId),
  },
];

/** An operation on an item: its access level, its documented path suffix and what it does. */
interface ItemOperation {
  access: Access;
  suffix: string;
  run: (call: GraphCall, drive: Drive, target: Target) => ReturnType<GraphRoute['handler']>;
}

function segmentError(segment: string) {
  return new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}

const get = (call: GraphCall, drive: Drive, target: Target) => {
  chargeUnits(call, 1);
  return itemEntity(call, drive, resolveItem(drive, target));
};

/** Picks the operation from the method and the segments after the item. */
function operationFor(method: Method, target: Target): ItemOperation {
  const [first = '', second, third] = target.op;
  const name = first.toLowerCase();
  if (target.op.length > (name === 'permissions' ? 2 : 1) || third !== undefined) throw segmentError(target.op.at(-1)!);
  const onRoot = target.base.toLowerCase() === 'root' && target.path === null;
  if (method === 'GET') {
    if (name === '') return { access: 'read', suffix: '/items/{item-id}', run: get };
    if (name === 'children')
      return {
        access: 'read',
        suffix: '/items/{item-id}/children',
        run: (c, d, t) => listChildren(c, d, resolveItem(d, t)),
      };
    if (name === 'content')
      return {
        access: 'read',
        suffix: '/items/{item-id}/content',
        run: (c, d, t) => downloadContent(c, resolveItem(d, t)),
      };
    if (onRoot && (name === 'delta' || name === 'microsoft.graph.delta' || name.startsWith('delta(')))
      return { access: 'read', suffix: '/root/delta', run: (c, d) => driveDelta(c, d, deltaToken(c, first)) };
    if (name === 'permissions' && second === undefined)
      return {
        access: 'read',
        suffix: '/items/{item-id}/permissions',
        run: (c, d, t) => listPermissions(c, d, resolveItem(d, t)),
      };
    if (name === 'permissions')
      return {
        access: 'read',
        suffix: '/items/{item-id}/permissions/{perm-id}',
        run: (c, d, t) => getPermission(c, d, resolveItem(d, t), second!),
      };
  }
  if (method === 'POST') {
    const posts: Record<string, ItemOperation['run']> = {
      children: (c, d, t) => createChild(c, d, resolveItem(d, t)),
      createuploadsession: (c, d, t) => createUploadSession(c, d, t),
      copy: (c, d, t) => startCopy(c, d, resolveItem(d, t)),
      createlink: (c, d, t) => createLink(c, d, resolveItem(d, t)),
      invite: (c, d, t) => invite(c, d, resolveItem(d, t)),
    };
    const run = posts[name];
    if (run) return { access: 'write', suffix: `/items/{item-id}/${first}`, run };
  }
  if (method === 'PUT' && name === 'content')
    return { access: 'write', suffix: '/items/{item-id}/content', run: (c, d, t) => uploadContent(c, d, t) };
  if (method === 'PATCH' && name === '')
    return { access: 'write', suffix: '/items/{item-id}', run: (c, d, t) => updateItem(c, d, resolveItem(d, t)) };
  if (method === 'DELETE' && name === '')
    return { access: 'write', suffix: '/items/{item-id}', run: (c, d, t) => deleteItem(c, d, resolveItem(d, t)) };
  if (method === 'DELETE' && name === 'permissions' && second !== undefined)
    return {
      access: 'write',
      suffix: '/items/{item-id}/permissions/{perm-id}',
      run: (c, d, t) => deletePermission(c, d, resolveItem(d, t), second),
    };
  throw segmentError(first || 'items');
}

/** Any files permission lets a wildcard route through; the operation then checks its own row. */
const ANY_FILES_PERMISSION: Access = 'read';

function registerDrivePrefix(app: FastifyInstance, ctx: GraphContext, prefix: DrivePrefix): void {
  graphRoute(app, ctx, {
    method: 'GET',
    url: prefix.url,
    permissions: row('GET', prefix.docs, 'read'),
    handler: (call) => {
      chargeUnits(call, 1);
      const drive = prefix.drive(call);
      assertDriveAccess(call, drive);
      return entity(call, 'drives', driveJson(drive), { properties: DRIVE_PROPERTIES, typeName: 'drive' });
    },
  });
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    graphRoute(app, ctx, {
      method,
      url: `${prefix.url}/*`,
      permissions: row(method, `${prefix.docs}/*`, method === 'GET' ? 'read' : ANY_FILES_PERMISSION),
      handler: (call) => {
        const target = parseTarget(call.params['*'] ?? '');
        const operation = operationFor(method, target);
        requirePermission(call, method, `${prefix.docs}${operation.suffix}`, operation.access);
        const drive = prefix.drive(call);
        assertDriveAccess(call, drive);
        return operation.run(call, drive, target);
      },
    });
  }
}

function registerSites(app: FastifyInstance, ctx: GraphContext): void {
  const site = (call: GraphCall) => {
    chargeUnits(call, 1);
    const found = call.params.siteId === undefined ? rootSite(stateOf(call)) : siteOf(call, call.params.siteId);
    return entity(call, 'sites', siteJson(found), {
      properties: [
        'id',
        'name',
        'displayName',
        'webUrl',
        'description',
        'createdDateTime',
        'lastModifiedDateTime',
        'root',
        'siteCollection',
      ],
      typeName: 'site',
    });
  };
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/sites/root',
    permissions: row('GET', '/sites/root', 'sites'),
    handler: site,
  });
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/sites/:siteId',
    permissions: row('GET', '/sites/{site-id}', 'sites'),
    handler: site,
  });
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/sites/:siteId/drives',
    permissions: row('GET', '/sites/{site-id}/drives', 'read'),
    handler: (call) => {
      chargeUnits(call, 2);
      const drive = driveById(call, siteOf(call, call.params.siteId!).driveId);
      return {
        '@odata.context': `${call.origin}/v1.0/$metadata#drives`,
        value: [driveJson(drive)],
      };
    },
  });
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/admin/sharepoint/settings',
    permissions: row('GET', '/admin/sharepoint/settings', 'settings'),
    handler: (call) => sharePointSettings(call),
  });
}

const JSON_LIMIT = 4 * 1024 * 1024;

/** A JSON body, read from the raw stream (the files scope keeps the stream for content uploads). */
async function readJson(payload: NodeJS.ReadableStream): Promise<unknown> {
  const text = (
    await readBytes(payload, JSON_LIMIT, () => new GraphError(413, 'requestTooLarge', 'The request is too large.'))
  ).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
}

/**
 * Registers the files routes in their own scope. Content uploads keep their body as a stream whatever its content
 * type (the Graph SDK sends `put(buffer)` as application/json), so the handler checks the caller before reading it;
 * other JSON bodies are parsed as usual.
 */
export function registerFilesRoutes(app: FastifyInstance, ctx: GraphContext): void {
  app.register(async (files) => {
    files.removeAllContentTypeParsers();
    files.addContentTypeParser('application/json', async (request: FastifyRequest, payload: NodeJS.ReadableStream) =>
      request.method === 'PUT' && /\/content$/i.test(request.url.split('?')[0] ?? '') ? payload : readJson(payload),
    );
    files.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    for (const prefix of PREFIXES) registerDrivePrefix(files, ctx, prefix);
    registerSites(files, ctx);
  });
}
