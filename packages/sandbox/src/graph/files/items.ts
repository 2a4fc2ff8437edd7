import type { GraphCall } from '../context.js';
import { GraphError } from '../errors.js';
import { entity } from '../odata/collection.js';
import { assertSelectable, project } from '../odata/query.js';
import { linkWith, openToken, sealToken } from '../odata/tokens.js';
import {
  CHILDREN_PAGE,
  callerIdentity,
  chargeUnits,
  downloadUrl,
  publishChange,
  readBytes,
  stateOf,
} from './access.js';
import { DRIVE_ITEM_PROPERTIES, filesErrors, itemJson } from './json.js';
import {
  addItem,
  type ConflictBehavior,
  childNamed,
  childrenOf,
  type Drive,
  type DriveItem,
  deleteTree,
  freeName,
  type IdentitySet,
  isWithin,
  liveItem,
  mimeTypeOf,
  touch,
} from './store.js';

/** Where a drive-relative URL points: `root` or an item ID, an optional `:/path:` below it, then the operation. */
export interface Target {
  base: string;
  path: string[] | null;
  op: string[];
}

export function parseTarget(rest: string): Target {
  let base: string;
  let after: string;
  if (rest === 'root' || rest.startsWith('root/') || rest.startsWith('root:')) {
    base = 'root';
    after = rest.slice(4);
  } else {
    const match = /^items\/([^/:]+)(.*)$/.exec(rest);
    if (!match) {
      const segment = rest.split('/')[0] ?? '';
      throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
    }
    base = match[1]!;
    after = match[2]!;
  }
  let path: string[] | null = null;
  if (after.startsWith(':')) {
    const body = after.slice(1);
    const end = body.indexOf(':');
    path = (end < 0 ? body : body.slice(0, end)).split('/').filter(Boolean);
    after = end < 0 ? '' : body.slice(end + 1);
  }
  return { base, path, op: after.split('/').filter(Boolean) };
}

function baseItem(drive: Drive, target: Target): DriveItem {
  const id = target.base.toLowerCase() === 'root' ? drive.rootId : target.base;
  const item = liveItem(drive, id);
  if (!item) throw filesErrors.itemNotFound();
  return item;
}

/** The existing item a target names. */
export function resolveItem(drive: Drive, target: Target): DriveItem {
  let item = baseItem(drive, target);
  for (const name of target.path ?? []) {
    const child = item.isFolder ? childNamed(drive, item.id, name) : undefined;
    if (!child) throw filesErrors.itemNotFound();
    item = child;
  }
  return item;
}

/** For a `:/path/name:` target: the parent folder (created along the path if missing) and the last name. */
export function resolveParentAndName(
  call: GraphCall,
  drive: Drive,
  target: Target,
): { parent: DriveItem; name: string; existing: DriveItem | undefined } {
  const path = target.path ?? [];
  const name = path[path.length - 1];
  if (name === undefined) throw filesErrors.invalidRequest('The request must name a file.');
  let parent = baseItem(drive, target);
  for (const segment of path.slice(0, -1)) {
    if (!parent.isFolder) throw filesErrors.itemNotFound();
    parent = childNamed(drive, parent.id, segment) ?? createFolder(call, drive, parent, segment);
  }
  if (!parent.isFolder) throw filesErrors.itemNotFound();
  return { parent, name, existing: childNamed(drive, parent.id, name) };
}

function createFolder(call: GraphCall, drive: Drive, parent: DriveItem, name: string): DriveItem {
  const now = call.ctx.clock.now();
  const folder = addItem(drive, {
    name,
    parentId: parent.id,
    isFolder: true,
    at: new Date(now).toISOString(),
    atMs: now,
    by: callerIdentity(call),
  });
  publishChange(call, drive, folder, 'created');
  return folder;
}

export function itemOptions(call: GraphCall, drive: Drive) {
  const site = stateOf(call).site;
  return {
    downloadUrl: (item: DriveItem) => downloadUrl(call, item),
    site: site && site.driveId === drive.id ? site : null,
  };
}

function itemSpec(call: GraphCall, drive: Drive) {
  return {
    properties: DRIVE_ITEM_PROPERTIES,
    typeName: 'driveItem',
    expand: {
      children: {
        related: (item: DriveItem, limit: number) =>
          sortedChildren(drive, item.id, null)
            .slice(0, limit)
            .map((c) => itemJson(drive, c, itemOptions(call, drive))),
      },
    },
  };
}

/** A single driveItem with `$select` / `$expand=children` applied. */
export function itemEntity(call: GraphCall, drive: Drive, item: DriveItem) {
  return entity(
    call,
    `drives('${drive.id}')/items`,
    itemJson(drive, item, itemOptions(call, drive)),
    itemSpec(call, drive),
    item,
  );
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
const SORTABLE: Record<string, (i: DriveItem, d: Drive) => string | number> = {
  name: (i) => i.name,
  lastmodifieddatetime: (i) => i.lastModifiedDateTime,
  createddatetime: (i) => i.createdDateTime,
  size: (i) => (i.isFolder ? 0 : i.content.length),
};

function sortedChildren(drive: Drive, parentId: string, orderby: GraphCall['query']['orderby']): DriveItem[] {
  const keys = orderby ?? [{ property: 'name', desc: false }];
  return childrenOf(drive, parentId).sort((a, b) => {
    for (const key of keys) {
      const read = SORTABLE[key.property.toLowerCase()]!;
      const x = read(a, drive);
      const y = read(b, drive);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
      if (c !== 0) return key.desc ? -c : c;
    }
    return collator.compare(a.id, b.id);
  });
}

interface ChildrenPage {
  k: 'children';
  tid: string;
  d: string;
  i: string;
  o: number;
}

/** `GET …/children`: 200 per page by default, `$top` up to 1,000, `$orderby` name/size/dates, `$select`. */
export function listChildren(call: GraphCall, drive: Drive, folder: DriveItem) {
  chargeUnits(call, 2);
  const q = call.query;
  if (q.filter !== null) throw filesErrors.invalidRequest('$filter is not supported on this collection.');
  if (q.top !== null && q.top < 1) throw filesErrors.invalidRequest(`Invalid page size specified: '${q.top}'.`);
  for (const o of q.orderby ?? []) {
    if (!SORTABLE[o.property.toLowerCase()]) throw filesErrors.invalidRequest(`Invalid $orderby: '${o.property}'.`);
  }
  assertSelectable(q.select, DRIVE_ITEM_PROPERTIES, 'driveItem');
  let offset = 0;
  if (q.skipToken !== null) {
    const state = openToken<ChildrenPage>(call.ctx.tokenKey, q.skipToken);
    if (state?.k !== 'children' || state.tid !== call.tenant.id || state.d !== drive.id || state.i !== folder.id) {
      throw filesErrors.invalidRequest('Invalid $skiptoken value.');
    }
    offset = state.o;
  }
  const pageSize = Math.min(q.top ?? CHILDREN_PAGE.default, CHILDREN_PAGE.max);
  const children = folder.isFolder ? sortedChildren(drive, folder.id, q.orderby) : [];
  const options = itemOptions(call, drive);
  const value = children
    .slice(offset, offset + pageSize)
    .map((child) => project(itemJson(drive, child, options), q.select));
  const body: Record<string, unknown> = {
    '@odata.context': `${call.origin}/v1.0/$metadata#drives('${drive.id}')/items('${folder.id}')/children${
      q.select ? `(${q.select.join(',')})` : ''
    }`,
  };
  if (offset + pageSize < children.length) {
    const next: ChildrenPage = { k: 'children', tid: call.tenant.id, d: drive.id, i: folder.id, o: offset + pageSize };
    body['@odata.nextLink'] = linkWith(call.origin, call.request.url, '$skiptoken', sealToken(call.ctx.tokenKey, next));
  }
  body.value = value;
  return body;
}

const INVALID_NAME = /["*:<>?/\\|]/;

export function assertValidName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') throw filesErrors.invalidRequest('The name is missing.');
  if (INVALID_NAME.test(name) || name.endsWith('.') || name.length > 400) {
    throw filesErrors.invalidRequest('The provided name cannot contain any illegal characters.', 'invalidName');
  }
}

export function conflictBehaviorOf(value: unknown, fallback: ConflictBehavior): ConflictBehavior {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === 'fail' || value === 'replace' || value === 'rename') return value;
  throw filesErrors.invalidRequest(`Invalid value '${String(value)}' for @microsoft.graph.conflictBehavior.`);
}

/** Applies the conflict behaviour to a name in a folder: the name to use, or the existing item to replace. */
export function settleName(
  drive: Drive,
  parentId: string,
  name: string,
  behavior: ConflictBehavior,
): { name: string; replace: DriveItem | undefined } {
  const existing = childNamed(drive, parentId, name);
  if (!existing) return { name, replace: undefined };
  if (behavior === 'fail') throw filesErrors.nameAlreadyExists();
  if (behavior === 'rename') return { name: freeName(drive, parentId, name), replace: undefined };
  return { name: existing.name, replace: existing };
}

export function removeItem(
  call: Pick<GraphCall, 'ctx' | 'tenant'>,
  drive: Drive,
  item: DriveItem,
  by: IdentitySet,
): void {
  for (const removed of deleteTree(drive, item, call.ctx.clock.now(), by)) {
    publishChange(call, drive, removed, 'deleted');
  }
}

/** `If-Match` with an item's eTag or cTag: anything else is a 412. */
export function checkIfMatch(call: GraphCall, item: DriveItem): void {
  const header = call.request.headers['if-match'];
  if (typeof header !== 'string' || header.trim() === '*') return;
  const tags = [`"{${item.uniqueId}},${item.version}"`, `"c:{${item.uniqueId}},${item.contentVersion}"`];
  if (!tags.includes(header.trim())) {
    throw filesErrors.resourceModified();
  }
}

function created(call: GraphCall, drive: Drive, item: DriveItem, status = 201) {
  return { status, body: itemEntity(call, drive, item), contentType: 'application/json; odata.metadata=minimal' };
}

/** `POST …/children`: a folder (or an empty file), with the conflict behaviour (default fail). */
export function createChild(call: GraphCall, drive: Drive, parent: DriveItem) {
  chargeUnits(call, 2);
  const body = (call.body ?? {}) as Record<string, unknown>;
  if (!parent.isFolder) throw filesErrors.invalidRequest('The parent item is not a folder.');
  assertValidName(body.name);
  const isFolder = body.folder !== undefined;
  if (!isFolder && body.file === undefined) {
    throw filesErrors.invalidRequest('Either the folder or the file facet must be provided.');
  }
  const behavior = conflictBehaviorOf(body['@microsoft.graph.conflictBehavior'], 'fail');
  const { name, replace } = settleName(drive, parent.id, body.name, behavior);
  if (replace) removeItem(call, drive, replace, callerIdentity(call));
  const now = call.ctx.clock.now();
  const item = addItem(drive, {
    name,
    parentId: parent.id,
    isFolder,
    at: new Date(now).toISOString(),
    atMs: now,
    by: callerIdentity(call),
  });
  if (typeof body.description === 'string') item.description = body.description;
  publishChange(call, drive, item, 'created');
  return created(call, drive, item);
}

/** `PATCH` an item: rename, move within the drive (parentReference), description. */
export function updateItem(call: GraphCall, drive: Drive, item: DriveItem) {
  chargeUnits(call, 2);
  checkIfMatch(call, item);
  const body = (call.body ?? {}) as Record<string, unknown>;
  if (item.parentId === null && (body.name !== undefined || body.parentReference !== undefined)) {
    throw filesErrors.invalidRequest('The root of a drive cannot be renamed or moved.');
  }
  let parentId = item.parentId!;
  const ref = body.parentReference as { id?: string; driveId?: string; path?: string } | undefined;
  if (ref) {
    if (ref.driveId && ref.driveId !== drive.id) {
      throw filesErrors.invalidRequest('Moving items between drives is not supported; use copy.');
    }
    let target: DriveItem | undefined;
    if (ref.id) target = liveItem(drive, ref.id);
    else if (ref.path !== undefined) {
      if (typeof ref.path !== 'string') throw filesErrors.invalidRequest('parentReference.path must be a string.');
      const path = ref.path.replace(/^\/drive(s\/[^/]+)?\/root:?/, '');
      let segments: string[];
      try {
        segments = decodeURIComponent(path).split('/').filter(Boolean);
      } catch {
        throw filesErrors.invalidRequest('parentReference.path is not a valid path.');
      }
      target = resolveItem(drive, { base: 'root', path: segments, op: [] });
    }
    if (!target?.isFolder) throw filesErrors.itemNotFound();
    if (isWithin(drive, target.id, item.id)) {
      throw filesErrors.invalidRequest('An item cannot be moved into itself or one of its children.');
    }
    parentId = target.id;
  }
  let name = item.name;
  if (body.name !== undefined) {
    assertValidName(body.name);
    name = body.name;
  }
  if (parentId !== item.parentId || name.toLowerCase() !== item.name.toLowerCase()) {
    const behavior = conflictBehaviorOf(body['@microsoft.graph.conflictBehavior'], 'fail');
    const settled = settleName(drive, parentId, name, behavior);
    if (settled.replace && settled.replace.id !== item.id)
      removeItem(call, drive, settled.replace, callerIdentity(call));
    name = settled.name;
  }
  item.name = name;
  item.parentId = parentId;
  if (!item.isFolder) item.mimeType = mimeTypeOf(name);
  if (typeof body.description === 'string') item.description = body.description;
  touch(drive, item, call.ctx.clock.now(), callerIdentity(call), false);
  publishChange(call, drive, item, 'updated');
  return itemEntity(call, drive, item);
}

export function deleteItem(call: GraphCall, drive: Drive, item: DriveItem) {
  chargeUnits(call, 2);
  if (item.parentId === null) throw filesErrors.accessDenied();
  checkIfMatch(call, item);
  removeItem(call, drive, item, callerIdentity(call));
  return undefined;
}

/** The current documented simple-upload limit. */
export const SIMPLE_UPLOAD_LIMIT = 250 * 1024 * 1024;

const tooLarge = () =>
  new GraphError(
    413,
    'requestTooLarge',
    'The request is too large. Files larger than 250 MB must be uploaded with an upload session.',
  );

/** Writes bytes into a file, creating it or replacing its content. */
export function writeFile(
  call: Pick<GraphCall, 'ctx' | 'tenant'>,
  drive: Drive,
  where: { parentId: string; name: string; replace: DriveItem | undefined },
  bytes: Buffer,
  by: IdentitySet,
): { item: DriveItem; created: boolean } {
  const now = call.ctx.clock.now();
  if (where.replace && !where.replace.isFolder) {
    where.replace.content = bytes;
    touch(drive, where.replace, now, by, true);
    publishChange(call, drive, where.replace, 'updated');
    return { item: where.replace, created: false };
  }
  if (where.replace) removeItem(call, drive, where.replace, by);
  const item = addItem(drive, {
    name: where.name,
    parentId: where.parentId,
    isFolder: false,
    content: bytes,
    at: new Date(now).toISOString(),
    atMs: now,
    by,
  });
  publishChange(call, drive, item, 'created');
  return { item, created: true };
}

/** `PUT …/content`: simple upload of a new file (201) or new content for an existing one (200). */
export async function uploadContent(call: GraphCall, drive: Drive, target: Target) {
  chargeUnits(call, 2);
  const query = call.request.query as Record<string, unknown>;
  const behavior = conflictBehaviorOf(query['@microsoft.graph.conflictBehavior'], 'replace');
  let where: { parentId: string; name: string; replace: DriveItem | undefined };
  if (target.path && target.path.length > 0) {
    const { parent, name, existing } = resolveParentAndName(call, drive, target);
    assertValidName(name);
    if (existing?.isFolder) throw filesErrors.nameAlreadyExists();
    where = { parentId: parent.id, ...settleName(drive, parent.id, name, existing ? behavior : 'fail') };
  } else {
    const item = resolveItem(drive, target);
    if (item.isFolder) throw filesErrors.invalidRequest('Cannot upload content to a folder.');
    checkIfMatch(call, item);
    where = { parentId: item.parentId!, name: item.name, replace: item };
  }
  const bytes = await readBytes(call.body, SIMPLE_UPLOAD_LIMIT, tooLarge);
  const { item, created: isNew } = writeFile(call, drive, where, bytes, callerIdentity(call));
  return created(call, drive, item, isNew ? 201 : 200);
}

/** `GET …/content`: 302 to the pre-authenticated download URL. */
export function downloadContent(call: GraphCall, item: DriveItem) {
  chargeUnits(call, 1);
  if (item.isFolder) throw filesErrors.invalidRequest('Cannot download the content of a folder.');
  return { status: 302, headers: { location: downloadUrl(call, item) }, body: '' };
}
