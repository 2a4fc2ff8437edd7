import type { GraphCall } from '../context.js';
import { GraphError } from '../errors.js';
import { assertSelectable, project } from '../odata/query.js';
import { linkWith, openToken, sealToken } from '../odata/tokens.js';
import { chargeUnits } from './access.js';
import { itemOptions } from './items.js';
import { DRIVE_ITEM_PROPERTIES, filesErrors, itemJson } from './json.js';
import type { Drive, DriveItem } from './store.js';

/**
 * `GET …/root/delta`: the initial enumeration of a drive (live items in creation order, so parents come first), then
 * the items changed since the token in change order, deleted ones with the `deleted` facet. Without the
 * `deltaExcludeParent` header, each changed item's ancestor folders come along, as OneDrive sends them.
 * `token=latest` starts from now; `token={ISO time}` returns what changed after that time.
 */

/** Page size without `$top` (observed: 200) and the largest `$top` honoured. */
const DELTA_PAGE = { default: 200, max: 1_000 };
/**
 * Drive delta tokens have no published lifetime; OneDrive answers 410 Gone once it no longer holds the changes.
 * The sandbox keeps them 30 days (and the control API can expire a drive's tokens at once).
 */
export const DELTA_TOKEN_LIFETIME_MS = 30 * 86_400_000;

interface DeltaState {
  k: 'delta';
  tid: string;
  d: string;
  /** The drive's token epoch when issued. */
  e: number;
  /** `i`: initial enumeration after ordinal `a`; `c`: changes with changeSeq in (s, u], after cursor `a`. */
  p: 'i' | 'c';
  s: number;
  u: number;
  a: number;
  /** Changes since this time (a timestamp token). */
  ts?: number;
  t: number;
}

/** The request URL in its `?token=` form, with the token replaced (or removed to restart). */
function deltaLink(call: GraphCall, token: string | null): string {
  const url = new URL(call.request.url.replace(/delta\(token=[^)]*\)/, 'delta'), call.origin);
  url.searchParams.delete('token');
  if (token === null) {
    const query = url.searchParams.toString().replace(/%24/g, '$');
    return `${call.origin}${url.pathname}${query ? `?${query}` : ''}`;
  }
  return linkWith(call.origin, `${url.pathname}${url.search}`, 'token', token);
}

function resync(call: GraphCall): GraphError {
  const restart = deltaLink(call, null);
  return new GraphError(
    410,
    'resyncChangesApplyDifferences',
    "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about.",
    { location: restart },
    { code: 'resyncRequired' },
  );
}

function readToken(call: GraphCall, drive: Drive, token: string): DeltaState {
  const now = call.ctx.clock.now();
  if (token === 'latest') {
    return {
      k: 'delta',
      tid: call.tenant.id,
      d: drive.id,
      e: drive.epoch,
      p: 'c',
      s: drive.seq,
      u: drive.seq,
      a: 0,
      t: now,
    };
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(token) && !Number.isNaN(Date.parse(token))) {
    return {
      k: 'delta',
      tid: call.tenant.id,
      d: drive.id,
      e: drive.epoch,
      p: 'c',
      s: 0,
      u: drive.seq,
      a: 0,
      ts: Date.parse(token),
      t: now,
    };
  }
  const state = openToken<DeltaState>(call.ctx.tokenKey, token);
  if (state?.k !== 'delta' || state.tid !== call.tenant.id || state.d !== drive.id) {
    throw filesErrors.invalidRequest('Invalid delta token.');
  }
  if (state.e !== drive.epoch || now - state.t > DELTA_TOKEN_LIFETIME_MS) throw resync(call);
  // A deltaLink's round covers the changes up to the moment it is used.
  return state.u < 0 ? { ...state, u: drive.seq } : state;
}

/** The token in `?token=` or in the function form `delta(token='…')`. */
export function deltaToken(call: GraphCall, op: string): string | null {
  const fn = /^delta\(token='?([^')]*)'?\)$/.exec(op);
  if (fn) {
    try {
      return decodeURIComponent(fn[1]!);
    } catch {
      throw filesErrors.invalidRequest('The delta token is not valid.');
    }
  }
  const query = call.request.query as Record<string, unknown>;
  return typeof query.token === 'string' && query.token !== '' ? query.token : null;
}

function ancestors(drive: Drive, item: DriveItem): DriveItem[] {
  const out: DriveItem[] = [];
  let parentId = item.parentId;
  while (parentId !== null) {
    const parent = drive.items.get(parentId);
    if (!parent || parent.deleted) break;
    out.unshift(parent);
    parentId = parent.parentId;
  }
  return out;
}

export function driveDelta(call: GraphCall, drive: Drive, token: string | null) {
  const q = call.query;
  assertSelectable(q.select, DRIVE_ITEM_PROPERTIES, 'driveItem');
  if (q.top !== null && q.top < 1) throw filesErrors.invalidRequest(`Invalid page size specified: '${q.top}'.`);
  const now = call.ctx.clock.now();
  const state: DeltaState =
    token === null
      ? { k: 'delta', tid: call.tenant.id, d: drive.id, e: drive.epoch, p: 'i', s: 0, u: drive.seq, a: -1, t: now }
      : readToken(call, drive, token);
  chargeUnits(call, token === null ? 2 : 1);
  const pageSize = Math.min(q.top ?? DELTA_PAGE.default, DELTA_PAGE.max);
  const items = [...drive.items.values()];
  let candidates: DriveItem[];
  if (state.p === 'i') {
    candidates = items.filter((i) => !i.deleted && i.ordinal > state.a).sort((x, y) => x.ordinal - y.ordinal);
  } else {
    const until = state.u;
    candidates = items
      .filter(
        (i) =>
          i.changeSeq > Math.max(state.s, state.a) &&
          i.changeSeq <= until &&
          (state.ts === undefined || i.changedAtMs > state.ts),
      )
      .sort((x, y) => x.changeSeq - y.changeSeq);
  }
  const page = candidates.slice(0, pageSize);
  const more = candidates.length > pageSize;
  const excludeParents = call.request.headers.deltaexcludeparent !== undefined || state.p === 'i';
  const sent = new Set<string>();
  const value: Record<string, unknown>[] = [];
  const options = itemOptions(call, drive);
  const emit = (item: DriveItem) => {
    if (sent.has(item.id)) return;
    sent.add(item.id);
    value.push(project(itemJson(drive, item, options), q.select));
  };
  for (const item of page) {
    if (!excludeParents) for (const parent of ancestors(drive, item)) emit(parent);
    emit(item);
  }
  const body: Record<string, unknown> = {
    '@odata.context': `${call.origin}/v1.0/$metadata#Collection(driveItem)`,
  };
  const last = page[page.length - 1];
  if (more && last) {
    const next: DeltaState = { ...state, a: state.p === 'i' ? last.ordinal : last.changeSeq, t: now };
    body['@odata.nextLink'] = deltaLink(call, sealToken(call.ctx.tokenKey, next));
  } else {
    const next: DeltaState = {
      k: 'delta',
      tid: call.tenant.id,
      d: drive.id,
      e: drive.epoch,
      p: 'c',
      s: state.u,
      u: -1,
      a: 0,
      t: now,
    };
    body['@odata.deltaLink'] = deltaLink(call, sealToken(call.ctx.tokenKey, next));
  }
  body.value = token === 'latest' ? [] : value;
  return body;
}
