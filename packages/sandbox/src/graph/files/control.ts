import type { FastifyInstance } from 'fastify';
import type { GraphContext } from '../context.js';
import { ControlError, controlLookups } from '../control-api.js';
import { publishChange } from './access.js';
import { driveJson } from './json.js';
import { addItem, childNamed, childrenOf, filesState, findDrive, userDrive } from './store.js';

/**
 * Control-API additions: bulk files for paging and delta scenarios, forcing a drive's delta tokens stale, and a
 * look at the drives created so far.
 */
export function registerFilesControl(control: FastifyInstance, ctx: GraphContext): void {
  const { tenantOf, userOf } = controlLookups(ctx.directory);

  control.post<{
    Params: { tid: string; uid: string };
    Body: { folder?: string; count: number; sizeBytes?: number; prefix?: string };
  }>(
    '/tenants/:tid/users/:uid/drive/files',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['count'],
          properties: {
            folder: { type: 'string' },
            count: { type: 'integer', minimum: 1, maximum: 100_000 },
            sizeBytes: { type: 'integer', minimum: 0, maximum: 1_048_576 },
            prefix: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request.params.tid);
      const user = userOf(tenant, request.params.uid);
      if (!user.oneDriveProvisioned)
        throw new ControlError(400, 'BadRequest', `${user.userPrincipalName} has no OneDrive`);
      const drive = userDrive(filesState(tenant), user);
      const now = ctx.clock.now();
      const at = new Date(now).toISOString();
      const by = { user: { email: user.mail ?? user.userPrincipalName, id: user.id, displayName: user.displayName } };
      let parent = drive.items.get(drive.rootId)!;
      for (const name of (request.body.folder ?? '').split('/').filter(Boolean)) {
        parent =
          childNamed(drive, parent.id, name) ??
          addItem(drive, { name, parentId: parent.id, isFolder: true, at, atMs: now, by });
      }
      const prefix = request.body.prefix ?? 'File';
      const size = request.body.sizeBytes ?? 1024;
      let created = 0;
      // The folder's names, read once: a drive scan per file made large batches quadratic.
      const taken = new Set(childrenOf(drive, parent.id).map((i) => i.name.toLowerCase()));
      for (let n = 1; created < request.body.count; n++) {
        const name = `${prefix} ${String(n).padStart(6, '0')}.txt`;
        if (taken.has(name.toLowerCase())) continue;
        taken.add(name.toLowerCase());
        const content = Buffer.alloc(size, `${name}\n`);
        const item = addItem(drive, { name, parentId: parent.id, isFolder: false, content, at, atMs: now, by });
        publishChange({ ctx, tenant }, drive, item, 'created');
        created++;
      }
      return reply.code(201).send({ driveId: drive.id, folderId: parent.id, created });
    },
  );

  control.post<{ Params: { tid: string; driveId: string } }>(
    '/tenants/:tid/drives/:driveId/resync',
    async (request, reply) => {
      const tenant = tenantOf(request.params.tid);
      const drive = findDrive(filesState(tenant), request.params.driveId, (id) => tenant.users.get(id));
      if (!drive) throw new ControlError(404, 'NotFound', `drive '${request.params.driveId}' does not exist`);
      drive.epoch++;
      return reply.code(204).send();
    },
  );

  control.get<{ Params: { tid: string } }>('/tenants/:tid/drives', async (request) => {
    const state = filesState(tenantOf(request.params.tid));
    return {
      value: [...state.drives.values()].map((drive) => ({
        ...driveJson(drive),
        items: [...drive.items.values()].filter((i) => !i.deleted).length,
      })),
    };
  });
}
