import type { User } from '../../tenant/model.js';
import type { GraphCall, GraphResult } from '../context.js';
import { GraphError } from '../errors.js';
import { evaluateFilter } from '../odata/filter/index.js';
import { openToken, sealToken } from '../odata/tokens.js';
import { mailErrors } from './errors.js';
import { DELTA_FILTER, type MessageView, messageJson, projectMessage } from './json.js';
import { assertMessageSelect, messageFilter, queryOption } from './list.js';
import type { Mailbox, MailFolder, StoredMessage, Tombstone } from './mailbox.js';

/**
 * messages/delta per folder (delta-query-messages.md). Every change in a mailbox takes the next number of its
 * change sequence; a token remembers the number a round started from, so the next round returns exactly what
 * changed since: the message as it is now, or `@removed` when it left the folder (moved out or deleted).
 */

type ChangeType = 'created' | 'updated' | 'deleted';

/** What a delta token carries: bound to tenant, mailbox and folder; the round's options travel with it. */
interface DeltaState {
  t: string;
  m: string;
  f: string;
  /** Changes after this sequence number… */
  w: number;
  /** …up to this one (set while a round pages; a deltaLink has none). */
  u?: number;
  /** Sequence number of the last change already returned in this round. */
  a?: number;
  s: string[] | null;
  c: ChangeType | null;
  r: string | null;
  n: number | null;
}

export const DELTA_PAGE = { default: 10, max: 1_000 };

type Change = { seq: number; message: StoredMessage } | { seq: number; tombstone: Tombstone };

function preferredPageSize(call: GraphCall): number | null {
  const match = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(String(call.request.headers.prefer ?? ''));
  return match ? Math.min(Math.max(1, Number(match[1])), DELTA_PAGE.max) : null;
}

function initialState(call: GraphCall, owner: User, folder: MailFolder): DeltaState {
  const q = call.query;
  assertMessageSelect(q.select);
  if (q.filter !== null) messageFilter(q.filter, DELTA_FILTER);
  for (const o of q.orderby ?? []) {
    if (o.property.toLowerCase() !== 'receiveddatetime' || !o.desc) throw mailErrors.inefficientFilter();
  }
  if (q.search !== null) {
    throw new GraphError(400, 'ErrorInvalidUrlQuery', "The query parameter '$search' is not supported with delta.");
  }
  const changeType = queryOption(call, 'changeType') ?? null;
  if (changeType !== null && !['created', 'updated', 'deleted'].includes(changeType)) {
    throw new GraphError(
      400,
      'ErrorInvalidParameter',
      `The value '${changeType}' of the parameter 'changeType' is invalid: use created, updated or deleted.`,
    );
  }
  const top = queryOption(call, 'top');
  return {
    t: call.tenant.id,
    m: owner.id,
    f: folder.id,
    w: 0,
    s: q.select,
    c: changeType as ChangeType | null,
    r: q.filter,
    n: top !== undefined && Number.isInteger(Number(top)) ? Math.min(Math.max(1, Number(top)), DELTA_PAGE.max) : null,
  };
}

function stateFromToken(call: GraphCall, owner: User, folder: MailFolder, token: string): DeltaState {
  const state = openToken<DeltaState>(call.ctx.tokenKey, token);
  if (
    !state ||
    state.t !== call.tenant.id ||
    state.m !== owner.id ||
    state.f !== folder.id ||
    !Number.isInteger(state.w)
  ) {
    throw mailErrors.invalidSyncState();
  }
  return state;
}

/** The changes of a round: messages that changed in the folder and removals from it, in sequence order. */
function changesOf(mailbox: Mailbox, folder: MailFolder, state: DeltaState, upto: number): Change[] {
  const since = state.w;
  const after = state.a ?? since;
  const filter = state.r === null ? undefined : messageFilter(state.r, DELTA_FILTER);
  const view: MessageView = { basicOnly: false, bodyType: 'html' };
  const changes: Change[] = [];
  if (state.c !== 'deleted') {
    for (const message of mailbox.messages.values()) {
      if (message.folderId !== folder.id || message.seq <= after || message.seq > upto) continue;
      const created = message.createdSeq > since;
      if ((state.c === 'created' && !created) || (state.c === 'updated' && created)) continue;
      if (filter && !evaluateFilter(filter, messageJson(message, view))) continue;
      changes.push({ seq: message.seq, message });
    }
  }
  // The first round lists what is there; removals only matter to a client that has synced before.
  if (since > 0 && (state.c === null || state.c === 'deleted')) {
    for (const tombstone of mailbox.tombstones) {
      if (tombstone.folderId === folder.id && tombstone.seq > after && tombstone.seq <= upto) {
        changes.push({ seq: tombstone.seq, tombstone });
      }
    }
  }
  return changes.sort((a, b) => a.seq - b.seq);
}

function link(call: GraphCall, name: '$skiptoken' | '$deltatoken', state: DeltaState): string {
  const path = new URL(call.request.url, call.origin).pathname;
  return `${call.origin}${path}?${name}=${sealToken(call.ctx.tokenKey, state)}`;
}

export function folderDelta(
  call: GraphCall,
  owner: User,
  mailbox: Mailbox,
  folder: MailFolder,
  view: MessageView,
): GraphResult {
  const token = call.query.skipToken ?? call.query.deltaToken;
  const state = token ? stateFromToken(call, owner, folder, token) : initialState(call, owner, folder);
  // A first round (w = 0) needs no removals; a later one needs every removal since its token.
  if (state.w > 0 && state.w < mailbox.syncFloor) throw mailErrors.syncStateNotFound(state.w, mailbox.seq);
  const upto = state.u ?? mailbox.seq;
  const preferred = preferredPageSize(call);
  const pageSize = preferred ?? state.n ?? DELTA_PAGE.default;
  const changes = changesOf(mailbox, folder, state, upto);
  const page = changes.slice(0, pageSize);

  const value = page.map((change) =>
    'message' in change
      ? {
          '@odata.type': '#microsoft.graph.message',
          ...projectMessage(change.message, messageJson(change.message, view), state.s),
        }
      : { '@odata.type': '#microsoft.graph.message', id: change.tombstone.id, '@removed': { reason: 'deleted' } },
  );
  const body: Record<string, unknown> = { '@odata.context': `${call.origin}/v1.0/$metadata#Collection(message)` };
  if (changes.length > page.length) {
    body['@odata.nextLink'] = link(call, '$skiptoken', { ...state, u: upto, a: page.at(-1)!.seq });
  } else {
    const { u: _u, a: _a, ...rest } = state;
    body['@odata.deltaLink'] = link(call, '$deltatoken', { ...rest, w: upto });
  }
  body.value = value;
  const headers: Record<string, string> = {};
  if (preferred !== null) headers['preference-applied'] = `odata.maxpagesize=${preferred}`;
  return {
    status: 200,
    body,
    headers,
    contentType:
      'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8',
  };
}
