import { type EndpointPermissions, permissionRow } from '../permissions.js';

/**
 * Presence endpoints and the permissions Microsoft lists (least privileged first), from
 * api-reference/v1.0/includes/permissions/presence-get-permissions.md, cloudcommunications-getpresencesbyuserid-permissions.md
 * and the setPresence / setUserPreferredPresence pages (Presence.ReadWrite delegated, Presence.ReadWrite.All application).
 */
const entry = (id: string, method: string, path: string, application: string[] | null, delegated: string[] | null) =>
  permissionRow('presence', id, method, path, application, delegated);

const READ_APP = ['Presence.Read.All', 'Presence.ReadWrite.All'];
const WRITE_APP = ['Presence.ReadWrite.All'];
const WRITE_DELEGATED = ['Presence.ReadWrite'];

export const PRESENCE_PERMISSIONS = {
  getUserPresence: entry('getUserPresence', 'GET', '/users/{id}/presence', READ_APP, [
    'Presence.Read',
    'Presence.Read.All',
  ]),
  getMyPresence: entry('getMyPresence', 'GET', '/me/presence', null, ['Presence.Read', 'Presence.Read.All']),
  getPresence: entry('getPresence', 'GET', '/communications/presences/{id}', READ_APP, [
    'Presence.Read',
    'Presence.Read.All',
  ]),
  listPresences: entry('listPresences', 'GET', "/communications/presences?$filter=id in ('…')", READ_APP, [
    'Presence.Read.All',
  ]),
  getPresencesByUserId: entry('getPresencesByUserId', 'POST', '/communications/getPresencesByUserId', READ_APP, [
    'Presence.Read.All',
  ]),
  setPresence: entry('setPresence', 'POST', '/users/{id}/presence/setPresence', WRITE_APP, WRITE_DELEGATED),
  clearPresence: entry('clearPresence', 'POST', '/users/{id}/presence/clearPresence', WRITE_APP, WRITE_DELEGATED),
  setUserPreferredPresence: entry(
    'setUserPreferredPresence',
    'POST',
    '/users/{id}/presence/setUserPreferredPresence',
    WRITE_APP,
    WRITE_DELEGATED,
  ),
  clearUserPreferredPresence: entry(
    'clearUserPreferredPresence',
    'POST',
    '/users/{id}/presence/clearUserPreferredPresence',
    WRITE_APP,
    WRITE_DELEGATED,
  ),
  setStatusMessage: entry(
    'setStatusMessage',
    'POST',
    '/users/{id}/presence/setStatusMessage',
    WRITE_APP,
    WRITE_DELEGATED,
  ),
} satisfies Record<string, EndpointPermissions>;
