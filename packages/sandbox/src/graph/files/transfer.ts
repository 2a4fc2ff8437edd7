import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Tenant } from '../../tenant/model.js';
import type { GraphCall, GraphContext } from '../context.js';
import { GraphError, graphErrorBody } from '../errors.js';
import {
  assertDriveAccess,
  callerIdentity,
  chargeUnits,
  checkDownload,
  downloadUrl,
  driveById,
  publishChange,
  readBytes,
  stateOf,
} from './access.js';
import {
  assertValidName,
  conflictBehaviorOf,
  resolveItem,
  resolveParentAndName,
  settleName,
  type Target,
  writeFile,
} from './items.js';
import { filesErrors, itemJson } from './json.js';
import {
  type CopyJob,
  childNamed,
  copyTree,
  type Drive,
  type DriveItem,
  deleteTree,
  filesState,
  findDrive,
  freeName,
  isWithin,
  liveItem,
  newSessionId,
  type UploadSession,
  usedBytes,
} from './store.js';

/**
 * Large uploads (upload sessions), downloads and copies: the Graph calls that start them, and the
 * pre-authenticated URLs outside /v1.0 that serve them (no bearer token, like Microsoft's *.sharepoint.com URLs).
 */

/** One fragment: non-final ones must be multiples of 320 KiB; any request under 60 MiB. */
export const FRAGMENT_UNIT = 320 * 1024;
export const MAX_FRAGMENT = 60 * 1024 * 1024;
const SESSION_LIFETIME_MS = 60 * 60 * 1000;
/** The copy monitor reports completion on the second poll, or once this much sandbox time has passed. */
const COPY_DURATION_MS = 1_000;

function uploadStatus(session: UploadSession) {
  return {
    expirationDateTime: new Date(session.expiresAtMs).toISOString(),
    nextExpectedRanges: [
      session.total === null ? `${session.receivedBytes}-` : `${session.receivedBytes}-${session.total - 1}`,
    ],
  };
}

/** `POST …/createUploadSession`: on an existing file (new content) or on `parent:/name:` (a new file). */
export function createUploadSession(call: GraphCall, drive: Drive, target: Target) {
  chargeUnits(call, 2);
  const body = (call.body ?? {}) as { item?: Record<string, unknown>; deferCommit?: boolean };
  const item = body.item ?? {};
  const behavior = conflictBehaviorOf(item['@microsoft.graph.conflictBehavior'], 'fail');
  const fileSize = typeof item.fileSize === 'number' ? item.fileSize : null;
  if (fileSize !== null && fileSize > drive.quotaTotal - usedBytes(drive)) {
    throw new GraphError(507, 'quotaLimitReached', 'Insufficient Space Available');
  }
  let parentId: string;
  let name: string;
  let targetId: string | null = null;
  if (target.path && target.path.length > 0) {
    const resolved = resolveParentAndName(call, drive, target);
    assertValidName(resolved.name);
    if (resolved.existing?.isFolder) throw filesErrors.nameAlreadyExists();
    if (resolved.existing && behavior === 'fail') throw filesErrors.nameAlreadyExists();
    parentId = resolved.parent.id;
    name = resolved.name;
  } else {
    const existing = resolveItem(drive, target);
    if (existing.isFolder) throw filesErrors.invalidRequest('An upload session needs a file, not a folder.');
    parentId = existing.parentId!;
    name = existing.name;
    targetId = existing.id;
  }
  const session: UploadSession = {
    id: newSessionId(),
    tenantId: call.tenant.id,
    driveId: drive.id,
    targetId,
    parentId,
    name,
    conflictBehavior: targetId ? 'replace' : behavior,
    total: fileSize,
    received: [],
    receivedBytes: 0,
    expiresAtMs: call.ctx.clock.now() + SESSION_LIFETIME_MS,
    by: callerIdentity(call),
  };
  stateOf(call).uploads.set(session.id, session);
  return {
    '@odata.context': `${call.origin}/v1.0/$metadata#microsoft.graph.uploadSession`,
    // The session ID is a random GUID: knowing the URL is the authorisation, as with Microsoft's upload URLs.
    uploadUrl: `${call.origin}/_files/upload/${call.tenant.id}/${session.id}`,
    ...uploadStatus(session),
  };
}

/** `POST …/copy`: checks the destination now, copies when the monitor first reports completion. */
export function startCopy(call: GraphCall, drive: Drive, item: DriveItem) {
  chargeUnits(call, 2);
  if (item.parentId === null) throw filesErrors.invalidRequest('The root of a drive cannot be copied.');
  const body = (call.body ?? {}) as { parentReference?: { driveId?: string; id?: string }; name?: unknown };
  const query = call.request.query as Record<string, unknown>;
  const behavior = conflictBehaviorOf(query['@microsoft.graph.conflictBehavior'], 'fail');
  const ref = body.parentReference ?? {};
  if (
    (ref.driveId !== undefined && typeof ref.driveId !== 'string') ||
    (ref.id !== undefined && typeof ref.id !== 'string')
  ) {
    throw filesErrors.invalidRequest('parentReference.driveId and parentReference.id must be strings.');
  }
  const targetDrive = ref.driveId ? driveById(call, ref.driveId) : drive;
  // Copying writes into the destination: the caller must be allowed there too.
  assertDriveAccess(call, targetDrive);
  const parentId = ref.id ?? (ref.driveId ? targetDrive.rootId : item.parentId);
  const parent = liveItem(targetDrive, parentId);
  if (!parent?.isFolder) throw filesErrors.itemNotFound();
  if (targetDrive === drive && isWithin(drive, parent.id, item.id)) {
    throw filesErrors.invalidRequest('A folder cannot be copied into itself.');
  }
  let name = item.name;
  if (body.name !== undefined) {
    assertValidName(body.name);
    name = body.name;
  }
  if (childNamed(targetDrive, parent.id, name) && behavior === 'fail') throw filesErrors.nameAlreadyExists();
  const job: CopyJob = {
    id: newSessionId(),
    tenantId: call.tenant.id,
    sourceDriveId: drive.id,
    sourceId: item.id,
    targetDriveId: targetDrive.id,
    targetParentId: parent.id,
    name,
    conflictBehavior: behavior,
    startedAtMs: call.ctx.clock.now(),
    polls: 0,
    resultId: null,
    by: callerIdentity(call),
  };
  stateOf(call).copies.set(job.id, job);
  return {
    status: 202,
    headers: { location: `${call.origin}/_api/v2.0/monitor/${call.tenant.id}/${job.id}` },
    body: '',
  };
}

// ---- pre-authenticated routes ----

interface UploadParams {
  tid: string;
  id: string;
}

interface DownloadParams {
  tid: string;
  driveId: string;
  itemId: string;
  sig: string;
}

interface RootDeps {
  ctx: GraphContext;
}

function tenantOf(ctx: GraphContext, tid: string): Tenant | undefined {
  return ctx.directory.findTenant(tid);
}

function sessionNotFound() {
  return new GraphError(
    404,
    'itemNotFound',
    'The upload session was not found.',
    {},
    { code: 'uploadSessionNotFound' },
  );
}

function lookupSession(ctx: GraphContext, tid: string, id: string): { tenant: Tenant; session: UploadSession } {
  const tenant = tenantOf(ctx, tid);
  const session = tenant ? filesState(tenant).uploads.get(id) : undefined;
  if (!tenant || !session) throw sessionNotFound();
  if (session.expiresAtMs <= ctx.clock.now()) {
    filesState(tenant).uploads.delete(session.id);
    throw sessionNotFound();
  }
  return { tenant, session };
}

const RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

function parseContentRange(header: unknown): { first: number; last: number; total: number } {
  const match = typeof header === 'string' ? RANGE.exec(header.trim()) : null;
  if (!match || match[3] === '*') {
    throw filesErrors.invalidRequest('The Content-Range header is missing or malformed.', 'invalidRange');
  }
  const first = Number(match[1]);
  const last = Number(match[2]);
  const total = Number(match[3]);
  if (last < first || last >= total) {
    throw new GraphError(416, 'invalidRange', 'The Content-Range header is not valid.', {}, { code: 'invalidRange' });
  }
  return { first, last, total };
}

/** Checks a fragment against the session: total size, order, overlap, length and the 320 KiB rule. */
function checkFragment(session: UploadSession, range: { first: number; last: number; total: number }, length: number) {
  const expectedLength = range.last - range.first + 1;
  if (session.total !== null && range.total !== session.total) {
    throw filesErrors.invalidRequest('The declared file size does not match the upload session.', 'invalidRange');
  }
  if (range.first < session.receivedBytes) {
    throw new GraphError(
      416,
      'invalidRange',
      'Uploaded fragment overlaps with existing data.',
      {},
      {
        code: 'fragmentOverlap',
      },
    );
  }
  if (range.first > session.receivedBytes) {
    throw new GraphError(
      416,
      'invalidRange',
      'The uploaded fragment is out of order.',
      {},
      {
        code: 'fragmentOutOfOrder',
      },
    );
  }
  if (length !== expectedLength) {
    throw filesErrors.invalidRequest(
      'The Content-Range header length does not match the provided number of bytes.',
      'fragmentLengthMismatch',
    );
  }
  const final = range.last === range.total - 1;
  if (!final && expectedLength % FRAGMENT_UNIT !== 0) {
    throw filesErrors.invalidRequest(
      'The fragment size must be a multiple of 320 KiB (327,680 bytes), except for the last fragment.',
      'invalidFragmentSize',
    );
  }
}

/** The last fragment arrived: create or replace the file with the session's conflict behaviour. */
function commitSession(ctx: GraphContext, tenant: Tenant, session: UploadSession, origin: string) {
  const state = filesState(tenant);
  const drive = findDrive(state, session.driveId, (id) => tenant.users.get(id));
  const parent = drive ? liveItem(drive, session.parentId) : undefined;
  if (!drive || !parent) throw filesErrors.itemNotFound();
  const call = { ctx, tenant };
  let where: { parentId: string; name: string; replace: DriveItem | undefined };
  const existingTarget = session.targetId ? liveItem(drive, session.targetId) : undefined;
  if (existingTarget) {
    where = { parentId: existingTarget.parentId!, name: existingTarget.name, replace: existingTarget };
  } else {
    const existing = childNamed(drive, parent.id, session.name);
    if (existing && (existing.isFolder || session.conflictBehavior === 'fail')) {
      throw filesErrors.nameAlreadyExists(
        'Another file exists with the same name as the uploaded session. You can redirect the upload session to use a new filename by calling PUT with the new metadata and @microsoft.graph.sourceUrl attribute.',
      );
    }
    where = {
      parentId: parent.id,
      ...settleName(drive, parent.id, session.name, existing ? session.conflictBehavior : 'fail'),
    };
  }
  const { item, created } = writeFile(call, drive, where, Buffer.concat(session.received), session.by);
  state.uploads.delete(session.id);
  const json = itemJson(drive, item, {
    downloadUrl: (file) => downloadUrl({ ctx, tenant, origin }, file),
    site: state.site && state.site.driveId === drive.id ? state.site : null,
  });
  return { status: created ? 201 : 200, body: json };
}

async function putFragment(ctx: GraphContext, request: FastifyRequest<{ Params: UploadParams }>, reply: FastifyReply) {
  const { tenant, session } = lookupSession(ctx, request.params.tid, request.params.id);
  const range = parseContentRange(request.headers['content-range']);
  if (range.last - range.first + 1 > MAX_FRAGMENT) {
    throw new GraphError(413, 'requestTooLarge', 'A fragment must be smaller than 60 MiB.');
  }
  const bytes = await readBytes(
    request.body,
    MAX_FRAGMENT,
    () => new GraphError(413, 'requestTooLarge', 'A fragment must be smaller than 60 MiB.'),
  );
  checkFragment(session, range, bytes.length);
  session.total = range.total;
  session.received.push(bytes);
  session.receivedBytes += bytes.length;
  session.expiresAtMs = ctx.clock.now() + SESSION_LIFETIME_MS;
  if (session.receivedBytes < range.total) {
    return reply.code(202).type('application/json').send(uploadStatus(session));
  }
  const result = commitSession(ctx, tenant, session, `https://${request.host}`);
  return reply.code(result.status).type('application/json').send(result.body);
}

function serveDownload(ctx: GraphContext, request: FastifyRequest<{ Params: DownloadParams }>, reply: FastifyReply) {
  const { tid, driveId, itemId, sig } = request.params;
  const exp = checkDownload(ctx.tokenKey, tid, driveId, itemId, sig);
  const tenant = exp === undefined ? undefined : tenantOf(ctx, tid);
  if (exp === undefined || !tenant) throw new GraphError(401, 'unauthenticated', 'The download URL is not valid.');
  if (exp <= ctx.clock.now()) throw new GraphError(401, 'unauthenticated', 'The download URL has expired.');
  const drive = findDrive(filesState(tenant), driveId, (id) => tenant.users.get(id));
  const item = drive ? liveItem(drive, itemId) : undefined;
  if (!item || item.isFolder) throw filesErrors.itemNotFound();
  reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(item.name)}`);
  reply.header('accept-ranges', 'bytes');
  reply.header('etag', `"{${item.uniqueId}},${item.version}"`);
  reply.type(item.mimeType);
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(request.headers.range ?? ''));
  if (range && (range[1] || range[2])) {
    const size = item.content.length;
    const first = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const last = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (first >= size || first > last) {
      return reply.code(416).header('content-range', `bytes */${size}`).send();
    }
    reply.header('content-range', `bytes ${first}-${last}/${size}`);
    return reply.code(206).send(item.content.subarray(first, last + 1));
  }
  return reply.code(200).send(item.content);
}

function monitorJob(ctx: GraphContext, reply: FastifyReply, tid: string, id: string, origin: string) {
  const tenant = tenantOf(ctx, tid);
  const job = tenant ? filesState(tenant).copies.get(id) : undefined;
  if (!tenant || !job) throw filesErrors.itemNotFound();
  job.polls++;
  const elapsed = ctx.clock.now() - job.startedAtMs;
  if (job.resultId === null && job.polls < 2 && elapsed < COPY_DURATION_MS) {
    const percentageComplete = Math.round(Math.min(95, Math.max(5, (elapsed / COPY_DURATION_MS) * 100)) * 10) / 10;
    return reply
      .code(202)
      .type('application/json')
      .send({ operation: 'ItemCopy', percentageComplete, status: 'inProgress' });
  }
  if (job.resultId === null) {
    const failure = finishCopy(ctx, tenant, job);
    if (failure) {
      return reply
        .code(200)
        .type('application/json')
        .send({
          operation: 'ItemCopy',
          percentageComplete: 0,
          status: 'failed',
          error: { code: failure.code, message: failure.message },
        });
    }
  }
  return reply
    .code(200)
    .type('application/json')
    .send({
      '@odata.context': `${origin}/_api/v2.0/$metadata#oneDrive.asynchronousOperationStatus`,
      percentageComplete: 100.0,
      resourceId: job.resultId,
      status: 'completed',
    });
}

/** Performs the copy; returns the error the monitor reports if the source or destination went away. */
function finishCopy(ctx: GraphContext, tenant: Tenant, job: CopyJob): GraphError | undefined {
  const state = filesState(tenant);
  const find = (id: string) => findDrive(state, id, (uid) => tenant.users.get(uid));
  const source = find(job.sourceDriveId);
  const target = find(job.targetDriveId);
  const item = source ? liveItem(source, job.sourceId) : undefined;
  const parent = target ? liveItem(target, job.targetParentId) : undefined;
  if (!source || !target || !item || !parent) return filesErrors.itemNotFound();
  const existing = childNamed(target, parent.id, job.name);
  let name = job.name;
  if (existing?.isFolder !== item.isFolder && existing && job.conflictBehavior === 'replace') {
    return filesErrors.nameAlreadyExists();
  }
  if (existing && job.conflictBehavior === 'fail') return filesErrors.nameAlreadyExists();
  if (existing && job.conflictBehavior === 'rename') name = freeName(target, parent.id, job.name);
  const publish = (node: DriveItem, changeType: 'created' | 'deleted') =>
    publishChange({ ctx, tenant }, target, node, changeType);
  if (existing && job.conflictBehavior === 'replace' && existing.id !== item.id) {
    for (const removed of deleteTree(target, existing, ctx.clock.now(), job.by)) publish(removed, 'deleted');
  }
  const created: DriveItem[] = [];
  const copy = copyTree(source, item, target, parent.id, name, ctx.clock.now(), job.by, created);
  for (const node of created) publish(node, 'created');
  job.resultId = copy.id;
  return undefined;
}

/** The upload, download and copy-monitor URLs: raw bodies, no bearer token, errors in Graph's envelope. */
export function registerTransferRoutes(app: FastifyInstance, { ctx }: RootDeps): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const err =
        error instanceof GraphError
          ? error
          : error.statusCode && error.statusCode < 500
            ? new GraphError(error.statusCode, 'invalidRequest', error.message)
            : new GraphError(500, 'generalException', 'General exception while processing.');
      if (!(error instanceof GraphError) && err.status >= 500) request.log.error(error);
      reply.headers(err.headers);
      return reply
        .code(err.status)
        .type('application/json')
        .send(graphErrorBody(err, { requestId: request.id, clientRequestId: request.id, nowMs: ctx.clock.now() }));
    });
    scope.put<{ Params: UploadParams }>('/_files/upload/:tid/:id', (request, reply) =>
      putFragment(ctx, request, reply),
    );
    scope.get<{ Params: UploadParams }>('/_files/upload/:tid/:id', async (request, reply) => {
      const { session } = lookupSession(ctx, request.params.tid, request.params.id);
      return reply.code(200).type('application/json').send(uploadStatus(session));
    });
    scope.delete<{ Params: UploadParams }>('/_files/upload/:tid/:id', async (request, reply) => {
      const { tenant, session } = lookupSession(ctx, request.params.tid, request.params.id);
      filesState(tenant).uploads.delete(session.id);
      return reply.code(204).send();
    });
    scope.get<{ Params: DownloadParams }>('/_files/download/:tid/:driveId/:itemId/:sig', async (request, reply) =>
      serveDownload(ctx, request, reply),
    );
    scope.get<{ Params: UploadParams }>('/_api/v2.0/monitor/:tid/:id', async (request, reply) =>
      monitorJob(ctx, reply, request.params.tid, request.params.id, `https://${request.host}`),
    );
  });
}
