import { TenantlinkError } from '../../errors.js';
import { defineFeature, need, type ProbeCall } from '../feature.js';
import { GUID, userPath } from '../graph-paths.js';

const LOOKUP = 'User.ReadBasic.All';

/**
 * Presence is addressed by user ID only (Graph does not take a UPN there), so a UPN is looked up first, with the
 * least permission that reads a user by name.
 */
async function userId(call: ProbeCall): Promise<string> {
  if (GUID.test(call.who)) return call.who;
  const known = call.knownUserIds[call.who.toLowerCase()];
  if (known) return known;
  try {
    const found = await call.graph.get<{ id: string }>(userPath(call.who), { select: ['id'], permission: LOOKUP });
    return found.id;
  } catch (err) {
    if (err instanceof TenantlinkError && err.code === 'PERMISSION_MISSING')
      throw new TenantlinkError('TEST_USER_ID_NEEDED', 'The test user could not be looked up by name.', {
        diagnosis: {
          meaning:
            'Presence is read by user ID, and this app may not look users up by their name (no directory permission).',
          fix: "Give the test user's Object ID (Users > the user > Overview) as --test-user, or enable the directory feature.",
        },
      });
    throw err;
  }
}

/** Teams presence of many users. */
export const presence = defineFeature({
  name: 'presence',
  title: 'Presence: read',
  guide: "reads people's Teams availability and activity",
  permissions: {
    application: [need('Presence.Read.All', "read people's availability and activity", 'Presence.ReadWrite.All')],
    delegated: [need('Presence.Read.All', "read people's availability and activity")],
  },
  lookups: [LOOKUP],
  graphRoutes: [
    { path: '{user}/presence', permission: 'Presence.Read.All' },
    { path: '/communications/getPresencesByUserId', methods: ['POST'], permission: 'Presence.Read.All' },
  ],
  probes: [
    {
      name: "Read the test user's presence",
      needs: 'testUser',
      call: { method: 'GET', route: '/users/{id}/presence', permission: 'Presence.Read.All' },
      run: async (call) => {
        await call.graph.get(`/users/${await userId(call)}/presence`, { permission: call.permission });
        return undefined;
      },
    },
  ],
});
