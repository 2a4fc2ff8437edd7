import { randomUUID } from 'node:crypto';
import type { User } from './model.js';

/** What a new user must be given; everything else has a default. */
export type NewUser = Pick<User, 'userPrincipalName' | 'displayName' | 'mailNickname' | 'password'> & Partial<User>;

/**
 * A user as the control API, directory churn and shared mailboxes create them: an enabled member with a mailbox and
 * a OneDrive, mail = UPN, created (and its password set) `now`, with nothing optional filled in unless given.
 */
export function newUser(now: string, fields: NewUser): User {
  return {
    id: randomUUID(),
    givenName: null,
    surname: null,
    mail: fields.userPrincipalName,
    jobTitle: null,
    department: null,
    officeLocation: null,
    city: null,
    country: null,
    usageLocation: null,
    mobilePhone: null,
    businessPhones: [],
    employeeId: null,
    companyName: null,
    managerId: null,
    accountEnabled: true,
    userType: 'Member',
    createdDateTime: now,
    assignedLicenses: [],
    directoryRoleIds: [],
    mfaRequired: false,
    conditionalAccessBlocked: false,
    signInSessionsValidFromDateTime: now,
    lastPasswordChangeDateTime: now,
    mailboxEnabled: true,
    oneDriveProvisioned: true,
    ...fields,
  };
}
