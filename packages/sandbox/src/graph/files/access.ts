import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { User } from '../../tenant/model.js';
import type { GraphCall } from '../context.js';
import { GraphError, notFound } from '../errors.js';
import { assertPermitted } from '../permissions.js';
import { filesErrors } from './json.js';
import { type Access, row } from './permissions.js';
import {
  type Drive,
  type DriveItem,
  type FilesState,
  filesState,
  findDrive,
  type IdentitySet,
  rootSite,
  userDrive,
  userIdentity,
} from './store.js';

/** Resource units per minute for one app in one tenant, by licence band (SharePoint's throttling table). */
export function resourceUnitsPerMinute(users: number): number {
  if (users > 50_000) return 6_000;
  if (users > 15_000) return 4_800;
  if (users > 5_000) return 3_600;
  if (users > 1_000) return 2_400;
  return 1_200;
}

/**
 * Charges SharePoint resource units: 1 for a single item, a download or delta with a token, 2 for lists, writes
 * and delta without a token, 5 for permission operations.
 */
export function chargeUnits(call: GraphCall, units: number): void {
  const limit = resourceUnitsPerMinute(call.tenant.users.size);
  const scope = `files/${call.tenant.id}/${call.caller.appId}`;
  for (let i = 0; i < units; i++) call.ctx.throttling.chargeRequests(scope, limit, 60_000);
}

export function stateOf(call: GraphCall): FilesState {
  return filesState(call.tenant);
}

/** Checks the operation's own permission row (wildcard routes let any files permission through first). */
export function requirePermission(call: GraphCall, method: string, path: string, access: Access): void {
  assertPermitted(call.caller, row(method, path, access));
}

function holdsAny(call: GraphCall, names: string[]): boolean {
  const held = new Set(
    (call.caller.kind === 'app' ? call.caller.roles : call.caller.scopes).map((s) => s.toLowerCase()),
  );
  return names.some((n) => held.has(n.toLowerCase()));
}

/**
 * A delegated caller with only Files.Read / Files.ReadWrite reaches the signed-in user's own OneDrive; other
 * drives need a `.All` or Sites permission. App-only tokens reach every drive of the tenant.
 */
export function assertDriveAccess(call: GraphCall, drive: Drive): void {
  if (call.caller.kind === 'app') return;
  if (drive.ownerUserId !== null && drive.ownerUserId === call.caller.user?.id) return;
  if (holdsAny(call, ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All'])) return;
  throw filesErrors.accessDenied();
}

export function driveOf(call: GraphCall, user: User): Drive {
  if (!user.oneDriveProvisioned) throw filesErrors.mysiteNotFound();
  return userDrive(stateOf(call), user);
}

/** `/users/{id|upn}/drive`: the user must exist and have a provisioned OneDrive. */
export function driveOfUser(call: GraphCall, idOrUpn: string): Drive {
  const user = call.ctx.directory.findUser(call.tenant, idOrUpn);
  if (!user) throw notFound(idOrUpn);
  return driveOf(call, user);
}

export function driveOfMe(call: GraphCall): Drive {
  const user = call.caller.user;
  if (!user) throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
  return driveOf(call, user);
}

export function driveById(call: GraphCall, driveId: string): Drive {
  const drive = findDrive(stateOf(call), driveId, (id) => call.tenant.users.get(id));
  if (!drive) throw filesErrors.itemNotFound();
  return drive;
}

/** `/sites/root`, `/sites/{hostname}` or `/sites/{hostname},{collection},{web}`: the tenant has one site. */
export function siteOf(call: GraphCall, siteId: string) {
  const site = rootSite(stateOf(call));
  const key = siteId.toLowerCase();
  if (key === 'root' || key === site.hostname || key === site.id.toLowerCase()) return site;
  throw filesErrors.itemNotFound();
}

export function callerIdentity(call: GraphCall): IdentitySet {
  if (call.caller.kind === 'user' && call.caller.user) return userIdentity(call.caller.user);
  return {
    application: { id: call.caller.appId, displayName: call.caller.servicePrincipal?.displayName ?? call.caller.appId },
  };
}

/**
 * Publishes a change under the item's canonical path `drives/{driveId}/items/{itemId}` and, for a OneDrive, under
 * its owner's alias `users/{ownerId}/drive/items/{itemId}`. A created or deleted item also counts as an update of
 * the drive's root, which is what driveItem subscriptions (on `…/root`, changeType `updated`) are told about.
 */
export function publishChange(
  call: Pick<GraphCall, 'ctx' | 'tenant'>,
  drive: Drive,
  item: DriveItem,
  changeType: 'created' | 'updated' | 'deleted',
) {
  const send = (id: string, type: typeof changeType) => {
    const bases = [`drives/${drive.id}`, ...(drive.ownerUserId ? [`users/${drive.ownerUserId}/drive`] : [])];
    for (const base of bases) {
      call.ctx.events.publish({
        tenant: call.tenant,
        resource: `${base}/items/${id}`,
        changeType: type,
        odataType: '#microsoft.graph.driveItem',
        id,
      });
    }
  };
  send(item.id, changeType);
  if (changeType !== 'updated' && item.id !== drive.rootId) send(drive.rootId, 'updated');
}

const DOWNLOAD_LIFETIME_MS = 60 * 60 * 1000;

function downloadMac(key: Buffer, tid: string, driveId: string, itemId: string, exp: string): string {
  return createHmac('sha256', key).update(`dl|${tid}|${driveId}|${itemId}|${exp}`).digest('base64url').slice(0, 22);
}

/**
 * A short-lived, signed, pre-authenticated URL that serves a file's bytes without a bearer token:
 * `/_files/download/{tenant}/{drive}/{item}/{expiry}.{signature}` (each segment short enough for the router).
 */
export function downloadUrl(call: Pick<GraphCall, 'ctx' | 'tenant' | 'origin'>, item: DriveItem): string {
  const exp = (call.ctx.clock.now() + DOWNLOAD_LIFETIME_MS).toString(36);
  const mac = downloadMac(call.ctx.tokenKey, call.tenant.id, item.driveId, item.id, exp);
  return `${call.origin}/_files/download/${call.tenant.id}/${item.driveId}/${item.id}/${exp}.${mac}`;
}

/** A download URL's expiry (ms), or undefined if its signature does not hold. */
export function checkDownload(
  key: Buffer,
  tid: string,
  driveId: string,
  itemId: string,
  sig: string,
): number | undefined {
  const [exp = '', mac = ''] = sig.split('.');
  const expected = Buffer.from(downloadMac(key, tid, driveId, itemId, exp));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return Number.parseInt(exp, 36);
}

/** Default and largest page of a children listing (OneDrive: 200 and 1,000). */
export const CHILDREN_PAGE = { default: 200, max: 1_000 };

/** The request body as bytes, refusing more than `limit` (past it the stream is drained, not kept). */
export async function readBytes(body: unknown, limit: number, tooLarge: () => GraphError): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) {
    if (body.length > limit) throw tooLarge();
    return body;
  }
  if (typeof body === 'string') return readBytes(Buffer.from(body), limit, tooLarge);
  if (typeof (body as Readable).pipe === 'function') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as Readable) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buf.length;
      if (size <= limit) chunks.push(buf);
    }
    if (size > limit) throw tooLarge();
    return Buffer.concat(chunks);
  }
  // A JSON body the JSON parser already read (a .json file uploaded as application/json).
  return readBytes(Buffer.from(JSON.stringify(body)), limit, tooLarge);
}
