import type { FastifyInstance } from 'fastify';
import type { GraphContext } from '../context.js';
import { controlLookups } from '../control-api.js';
import type { Workload } from '../workload.js';
import { PRESENCE_PERMISSIONS } from './permissions.js';
import { publishIfChanged, registerPresenceRoutes } from './routes.js';
import { ACTIVITIES, AVAILABILITIES, presenceFingerprint, presenceJson, presenceOf } from './state.js';

export { MAX_PRESENCE_IDS } from './routes.js';
export { effectivePresence, presenceOf } from './state.js';

interface ControlPresenceBody {
  availability: (typeof AVAILABILITIES)[number];
  activity: (typeof ACTIVITIES)[number];
}

/**
 * `PATCH /_sandbox/tenants/{tid}/users/{user}/presence {availability, activity}`: the user changes their state in
 * Teams. Answers the presence Graph now shows (an application's unexpired session may still win).
 */
function registerPresenceControl(control: FastifyInstance, ctx: GraphContext): void {
  const { tenantOf, userOf } = controlLookups(ctx.directory);
  control.patch<{ Params: { tid: string; user: string }; Body: ControlPresenceBody }>(
    '/tenants/:tid/users/:user/presence',
    {
      schema: {
        body: {
          type: 'object',
          required: ['availability', 'activity'],
          additionalProperties: false,
          properties: {
            availability: { type: 'string', enum: [...AVAILABILITIES] },
            activity: { type: 'string', enum: [...ACTIVITIES] },
          },
        },
      },
    },
    async (request) => {
      const tenant = tenantOf(request.params.tid);
      const user = userOf(tenant, request.params.user);
      const presence = presenceOf(tenant, user);
      const now = ctx.clock.now();
      const before = presenceFingerprint(presence, now);
      presence.client = { availability: request.body.availability, activity: request.body.activity };
      publishIfChanged(ctx, tenant, presence, before);
      return presenceJson(presence, now);
    },
  );
}

/** Teams presence: read one or many users' presence, application presence sessions, preferred presence. */
export const presenceWorkload: Workload = {
  name: 'presence',
  routes: registerPresenceRoutes,
  control: registerPresenceControl,
  permissions: Object.values(PRESENCE_PERMISSIONS),
};
