import { randomBytes, randomUUID } from 'node:crypto';
import { en, Faker } from '@faker-js/faker';
import type { Tenant, User } from '../../tenant/model.js';
import { digest, driveIdFor, guidFrom, itemId, ownerOfDriveId, quickXorHash, seedOf } from './ids.js';

/**
 * The files workload's state: OneDrive for Business drives (one per user, created lazily the first time it is
 * touched), the tenant's root SharePoint site with its document library, and the transient upload sessions and
 * copy jobs. Every write bumps the drive's change counter, which delta queries read.
 */

/** Who created or changed an item: a user, or an application for app-only writes. */
export type IdentitySet = Record<string, Record<string, string>>;

export interface SharingPermission {
  id: string;
  roles: string[];
  link?: { type: 'view' | 'edit' | 'embed'; scope: 'anonymous' | 'organization' | 'users'; webUrl: string };
  application?: { id: string; displayName: string };
  hasPassword?: boolean;
  expirationDateTime?: string;
  grantedTo?: { id?: string; displayName: string; email: string };
  invitation?: { email: string; signInRequired: boolean };
}

export interface DriveItem {
  id: string;
  /** SharePoint's unique ID of the list item: the GUID in eTag and cTag. */
  uniqueId: string;
  driveId: string;
  name: string;
  parentId: string | null;
  isFolder: boolean;
  content: Buffer;
  mimeType: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  createdBy: IdentitySet;
  lastModifiedBy: IdentitySet;
  /** Bumped on every change (eTag); cTag follows content changes only. */
  version: number;
  contentVersion: number;
  /** Position in the drive's change sequence of this item's last change (unique per item). */
  changeSeq: number;
  changedAtMs: number;
  /** Creation order: the initial delta enumeration walks items in this order. */
  ordinal: number;
  deleted: boolean;
  description?: string;
  permissions: SharingPermission[];
  hash?: { version: number; value: string };
}

export interface Drive {
  id: string;
  driveType: 'business' | 'documentLibrary';
  name: string;
  description: string;
  webUrl: string;
  /** Base of the items' webUrl. */
  itemsUrl: string;
  createdDateTime: string;
  owner: IdentitySet;
  ownerUserId: string | null;
  rootId: string;
  items: Map<string, DriveItem>;
  seq: number;
  nextOrdinal: number;
  /** Bumped to make every outstanding delta token stale (410 Gone). */
  epoch: number;
  quotaTotal: number;
}

export interface Site {
  id: string;
  hostname: string;
  driveId: string;
  createdDateTime: string;
}

export type ConflictBehavior = 'fail' | 'replace' | 'rename';

export interface UploadSession {
  id: string;
  tenantId: string;
  driveId: string;
  /** An existing item to replace, or the parent and name of a new file. */
  targetId: string | null;
  parentId: string;
  name: string;
  conflictBehavior: ConflictBehavior;
  total: number | null;
  received: Buffer[];
  receivedBytes: number;
  expiresAtMs: number;
  by: IdentitySet;
}

export interface CopyJob {
  id: string;
  tenantId: string;
  sourceDriveId: string;
  sourceId: string;
  targetDriveId: string;
  targetParentId: string;
  name: string;
  conflictBehavior: ConflictBehavior;
  startedAtMs: number;
  polls: number;
  resultId: string | null;
  by: IdentitySet;
}

export interface FilesState {
  tenant: Tenant;
  drives: Map<string, Drive>;
  site: Site | null;
  uploads: Map<string, UploadSession>;
  copies: Map<string, CopyJob>;
}

const states = new WeakMap<Tenant, FilesState>();

export function filesState(tenant: Tenant): FilesState {
  let state = states.get(tenant);
  if (!state) {
    state = { tenant, drives: new Map(), site: null, uploads: new Map(), copies: new Map() };
    states.set(tenant, state);
  }
  return state;
}

/** `contoso` of contoso.onmicrosoft.com: the SharePoint host label. */
export function tenantLabel(tenant: Tenant): string {
  const initial = tenant.verifiedDomains.find((d) => d.isInitial)?.name ?? tenant.defaultDomain;
  return (initial.split('.')[0] ?? 'contoso').toLowerCase();
}

export function userIdentity(user: User): IdentitySet {
  return { user: { email: user.mail ?? user.userPrincipalName, id: user.id, displayName: user.displayName } };
}

const ONE_TB = 1_099_511_627_776;

const MIME_TYPES: Record<string, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  zip: 'application/zip',
};

export function mimeTypeOf(name: string): string {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  return MIME_TYPES[ext] ?? 'application/octet-stream';
}

function newDrive(input: Omit<Drive, 'items' | 'seq' | 'nextOrdinal' | 'epoch' | 'rootId'>): Drive {
  const drive: Drive = { ...input, items: new Map(), seq: 0, nextOrdinal: 0, epoch: 0, rootId: '' };
  const root = addItem(drive, {
    id: itemId(drive.id, 'root'),
    name: 'root',
    parentId: null,
    isFolder: true,
    at: input.createdDateTime,
    by: { user: { displayName: 'System Account' } },
  });
  drive.rootId = root.id;
  return drive;
}

/** Adds an item (no event, no checks): the primitive behind seeding and every create. */
export function addItem(
  drive: Drive,
  input: {
    id?: string;
    name: string;
    parentId: string | null;
    isFolder: boolean;
    content?: Buffer;
    at: string;
    atMs?: number;
    by: IdentitySet;
  },
): DriveItem {
  const id = input.id ?? itemId();
  const item: DriveItem = {
    id,
    uniqueId: guidFrom(digest('unique', drive.id, id)),
    driveId: drive.id,
    name: input.name,
    parentId: input.parentId,
    isFolder: input.isFolder,
    content: input.content ?? Buffer.alloc(0),
    mimeType: input.isFolder ? '' : mimeTypeOf(input.name),
    createdDateTime: input.at,
    lastModifiedDateTime: input.at,
    createdBy: input.by,
    lastModifiedBy: input.by,
    version: 1,
    contentVersion: 1,
    changeSeq: ++drive.seq,
    changedAtMs: input.atMs ?? Date.parse(input.at),
    ordinal: drive.nextOrdinal++,
    deleted: false,
    permissions: [],
  };
  drive.items.set(id, item);
  return item;
}

/** Records that an item changed now: new eTag, and it moves to the end of the drive's change sequence. */
export function touch(drive: Drive, item: DriveItem, nowMs: number, by: IdentitySet, contentChanged: boolean): void {
  item.version++;
  if (contentChanged) item.contentVersion++;
  item.lastModifiedDateTime = new Date(nowMs).toISOString();
  item.lastModifiedBy = by;
  item.changeSeq = ++drive.seq;
  item.changedAtMs = nowMs;
}

/** A small file body that looks like its type (the magic bytes), with generated text. */
function sampleContent(f: Faker, name: string): Buffer {
  const text = f.lorem.paragraphs({ min: 1, max: 4 });
  if (name.endsWith('.pdf')) return Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`);
  if (name.endsWith('.docx') || name.endsWith('.xlsx') || name.endsWith('.pptx')) {
    return Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(text)]);
  }
  return Buffer.from(`${text}\n`);
}

const capitalise = (s: string) => s.replace(/^\w/, (c) => c.toUpperCase());

/** Seeds a OneDrive: Documents and Shared folders and a few Office, PDF and text files, the same on every run. */
function seedOneDrive(drive: Drive, tenant: Tenant, user: User): void {
  const f = new Faker({ locale: [en] });
  f.seed(seedOf(tenant.id, user.id, 'onedrive'));
  const by = userIdentity(user);
  const base = Date.parse(user.createdDateTime) || Date.parse('2024-01-01T00:00:00Z');
  let step = 0;
  const at = () => new Date(base + ++step * 3_600_000 + f.number.int({ min: 0, max: 3_599_000 })).toISOString();
  const folder = (name: string, parentId: string) =>
    addItem(drive, { id: itemId(drive.id, parentId, name), name, parentId, isFolder: true, at: at(), by });
  const file = (name: string, parentId: string) =>
    addItem(drive, {
      id: itemId(drive.id, parentId, name),
      name,
      parentId,
      isFolder: false,
      content: sampleContent(f, name),
      at: at(),
      by,
    });
  const documents = folder('Documents', drive.rootId);
  const shared = folder('Shared', drive.rootId);
  const title = () => f.helpers.arrayElement(['Report', 'Plan', 'Budget', 'Notes', 'Proposal', 'Review', 'Summary']);
  const names = new Set<string>();
  const unique = (name: string) => {
    let candidate = name;
    for (let n = 2; names.has(candidate.toLowerCase()); n++) candidate = name.replace(/(\.\w+)$/, ` ${n}$1`);
    names.add(candidate.toLowerCase());
    return candidate;
  };
  for (const ext of ['docx', 'xlsx', 'pdf']) {
    file(unique(capitalise(`${f.company.buzzNoun()} ${title()}.${ext}`)), documents.id);
  }
  file(unique(capitalise(`${f.word.noun()} ${title()}.docx`)), shared.id);
  file('Notes.txt', drive.rootId);
}

function personalPath(user: User): string {
  return user.userPrincipalName.toLowerCase().replace(/[@.]/g, '_');
}

/** A user's OneDrive, created and seeded the first time anyone touches it. */
export function userDrive(state: FilesState, user: User): Drive {
  const id = driveIdFor(state.tenant.id, user.id);
  let drive = state.drives.get(id);
  if (!drive) {
    const label = tenantLabel(state.tenant);
    const webUrl = `https://${label}-my.sharepoint.com/personal/${personalPath(user)}/Documents`;
    drive = newDrive({
      id,
      driveType: 'business',
      name: 'OneDrive',
      description: '',
      webUrl,
      itemsUrl: webUrl,
      createdDateTime: user.createdDateTime,
      owner: userIdentity(user),
      ownerUserId: user.id,
      quotaTotal: ONE_TB,
    });
    seedOneDrive(drive, state.tenant, user);
    state.drives.set(id, drive);
  }
  return drive;
}

/** The tenant's root SharePoint site (`https://{label}.sharepoint.com`) and its Documents library. */
export function rootSite(state: FilesState): Site {
  if (state.site) return state.site;
  const tenant = state.tenant;
  const hostname = `${tenantLabel(tenant)}.sharepoint.com`;
  const collection = guidFrom(digest('site', tenant.id)).toLowerCase();
  const web = guidFrom(digest('web', tenant.id)).toLowerCase();
  const driveId = driveIdFor(tenant.id, collection);
  const drive = newDrive({
    id: driveId,
    driveType: 'documentLibrary',
    name: 'Documents',
    description: '',
    webUrl: `https://${hostname}/Shared%20Documents`,
    itemsUrl: `https://${hostname}/Shared%20Documents`,
    createdDateTime: tenant.createdDateTime,
    owner: { group: { id: collection, displayName: `${tenant.displayName} Members` } },
    ownerUserId: null,
    quotaTotal: 25 * ONE_TB,
  });
  const by = { user: { displayName: 'System Account' } };
  const at = tenant.createdDateTime;
  const policies = addItem(drive, {
    id: itemId(driveId, 'Policies'),
    name: 'Policies',
    parentId: drive.rootId,
    isFolder: true,
    at,
    by,
  });
  addItem(drive, {
    id: itemId(driveId, 'Handbook'),
    name: 'Employee Handbook.pdf',
    parentId: policies.id,
    isFolder: false,
    content: Buffer.from(`%PDF-1.7\n% ${tenant.displayName} employee handbook\n%%EOF\n`),
    at,
    by,
  });
  state.drives.set(driveId, drive);
  state.site = { id: `${hostname},${collection},${web}`, hostname, driveId, createdDateTime: tenant.createdDateTime };
  return state.site;
}

/** Any drive of the tenant by ID: already loaded, a user's OneDrive (created on demand), or the site library. */
export function findDrive(state: FilesState, driveId: string, findUser: (id: string) => User | undefined) {
  const loaded = state.drives.get(driveId);
  if (loaded) return loaded;
  const ownerId = ownerOfDriveId(state.tenant.id, driveId);
  if (!ownerId) return undefined;
  const site = rootSite(state);
  if (site.driveId === driveId) return state.drives.get(driveId);
  const user = findUser(ownerId);
  return user?.oneDriveProvisioned ? userDrive(state, user) : undefined;
}

export function liveItem(drive: Drive, id: string): DriveItem | undefined {
  const item = drive.items.get(id);
  return item && !item.deleted ? item : undefined;
}

export function childrenOf(drive: Drive, parentId: string): DriveItem[] {
  const out: DriveItem[] = [];
  for (const item of drive.items.values()) if (item.parentId === parentId && !item.deleted) out.push(item);
  return out;
}

export function childNamed(drive: Drive, parentId: string, name: string): DriveItem | undefined {
  const lower = name.toLowerCase();
  for (const item of drive.items.values()) {
    if (item.parentId === parentId && !item.deleted && item.name.toLowerCase() === lower) return item;
  }
  return undefined;
}

/** `/Documents/Plans` for an item under Documents (the root is ''). */
export function pathOf(drive: Drive, item: DriveItem): string {
  const names: string[] = [];
  let current: DriveItem | undefined = item;
  while (current && current.parentId !== null) {
    names.unshift(current.name);
    current = drive.items.get(current.parentId);
  }
  return names.length ? `/${names.join('/')}` : '';
}

export function sizeOf(drive: Drive, item: DriveItem): number {
  if (!item.isFolder) return item.content.length;
  let total = 0;
  for (const child of childrenOf(drive, item.id)) total += sizeOf(drive, child);
  return total;
}

export function usedBytes(drive: Drive): number {
  let total = 0;
  for (const item of drive.items.values()) if (!item.deleted && !item.isFolder) total += item.content.length;
  return total;
}

export function hashOf(item: DriveItem): string {
  if (!item.hash || item.hash.version !== item.contentVersion) {
    item.hash = { version: item.contentVersion, value: quickXorHash(item.content) };
  }
  return item.hash.value;
}

/** `name 1.txt`, `name 2.txt`, ... : the first name free in the folder (OneDrive's "rename" conflict behaviour). */
export function freeName(drive: Drive, parentId: string, name: string): string {
  if (!childNamed(drive, parentId, name)) return name;
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let n = 1; ; n++) {
    const candidate = `${stem} ${n}${ext}`;
    if (!childNamed(drive, parentId, candidate)) return candidate;
  }
}

/** Whether `ancestorId` is the item or one of its parents (a folder cannot move into itself). */
export function isWithin(drive: Drive, itemId: string, ancestorId: string): boolean {
  let current = drive.items.get(itemId);
  while (current) {
    if (current.id === ancestorId) return true;
    current = current.parentId === null ? undefined : drive.items.get(current.parentId);
  }
  return false;
}

/** Marks an item and everything under it deleted (tombstones stay for delta). Returns the deleted items. */
export function deleteTree(drive: Drive, item: DriveItem, nowMs: number, by: IdentitySet): DriveItem[] {
  const removed: DriveItem[] = [];
  const visit = (node: DriveItem) => {
    for (const child of childrenOf(drive, node.id)) visit(child);
    node.deleted = true;
    touch(drive, node, nowMs, by, false);
    removed.push(node);
  };
  visit(item);
  return removed;
}

/** Copies an item (deeply for folders) under a parent, possibly in another drive. Returns the new top item. */
export function copyTree(
  source: Drive,
  item: DriveItem,
  target: Drive,
  parentId: string,
  name: string,
  nowMs: number,
  by: IdentitySet,
  created: DriveItem[] = [],
): DriveItem {
  const at = new Date(nowMs).toISOString();
  const copy = addItem(target, {
    name,
    parentId,
    isFolder: item.isFolder,
    content: Buffer.from(item.content),
    at,
    atMs: nowMs,
    by,
  });
  created.push(copy);
  for (const child of childrenOf(source, item.id)) {
    copyTree(source, child, target, copy.id, child.name, nowMs, by, created);
  }
  return copy;
}

export function newPermissionId(): string {
  return randomBytes(12).toString('base64url');
}

export function newSessionId(): string {
  return randomUUID();
}
