import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/**
 * User properties the directory sync can keep (Microsoft Graph v1.0 user properties that both `/users` and
 * `/users/delta` can `$select`).
 */
export const DIRECTORY_USER_FIELDS = [
  'accountEnabled',
  'businessPhones',
  'city',
  'companyName',
  'country',
  'createdDateTime',
  'department',
  'displayName',
  'employeeId',
  'givenName',
  'jobTitle',
  'mail',
  'mailNickname',
  'mobilePhone',
  'officeLocation',
  'otherMails',
  'preferredLanguage',
  'proxyAddresses',
  'surname',
  'usageLocation',
  'userPrincipalName',
  'userType',
] as const;
export type DirectoryUserField = (typeof DIRECTORY_USER_FIELDS)[number];

/** What the directory sync keeps and how often it runs (`settings.directory`). */
export const directorySettings = z
  .object({
    /** Only users whose mail (or, without one, user principal name) is in one of these domains. */
    allowedDomains: z
      .array(z.string().trim().toLowerCase().regex(DOMAIN, 'settings.directory.allowedDomains holds domain names'))
      .max(100)
      .optional(),
    /** Only these groups (object IDs, at most 50: Graph's delta filter limit), and only users who are their direct members. */
    groups: z
      .array(z.string().trim().toLowerCase().regex(GUID, 'settings.directory.groups holds group object IDs'))
      .min(1)
      .max(50)
      .optional(),
    /** The user properties to keep (id is always kept). */
    userFields: z.array(z.enum(DIRECTORY_USER_FIELDS)).min(1).optional(),
    /** Sync on a schedule, every this many minutes (the server's job runner); no schedule when absent. */
    syncIntervalMinutes: z.number().int().min(1).max(10_080).optional(),
  })
  .strict();
export type DirectorySettings = z.output<typeof directorySettings>;
