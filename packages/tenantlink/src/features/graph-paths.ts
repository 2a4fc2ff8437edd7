/** Graph paths the features' calls and probes share. */

/** `/users/{upn or id}`, escaped. */
export const userPath = (user: string) => `/users/${encodeURIComponent(user)}`;

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
