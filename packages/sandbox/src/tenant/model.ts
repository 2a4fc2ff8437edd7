import type { ChangeLog } from './change-log.js';

/**
 * The state of a sandbox tenant, shaped like the Microsoft Entra ID directory objects that Microsoft Graph
 * exposes (user, group, application, servicePrincipal, appRoleAssignment, oauth2PermissionGrant), so the Graph
 * workloads can serve it as it is.
 */

export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const MICROSOFT_GRAPH_RESOURCE_URI = 'https://graph.microsoft.com';
/** Role template ID of the Global Administrator directory role. */
export const GLOBAL_ADMINISTRATOR_ROLE_ID = '62e90394-69f5-4237-9190-012177145e10';

export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs';

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  mailNickname: string;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  city: string | null;
  country: string | null;
  usageLocation: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  employeeId: string | null;
  companyName: string | null;
  managerId: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  createdDateTime: string;
  assignedLicenses: AssignedLicense[];
  /** Directory role template IDs held by the user (Global Administrator, ...). */
  directoryRoleIds: string[];
  /** Sandbox-only sign-in properties (no Graph equivalent is exposed for them). */
  password: string;
  mfaRequired: boolean;
  conditionalAccessBlocked: boolean;
  /** Refresh tokens and sessions issued before this instant are invalid (revokeSignInSessions). */
  signInSessionsValidFromDateTime: string;
  /** A password change revokes public clients' refresh tokens (confidential clients' survive it). */
  lastPasswordChangeDateTime: string;
  mailboxEnabled: boolean;
  oneDriveProvisioned: boolean;
}

export interface Group {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  visibility: 'Public' | 'Private' | null;
  createdDateTime: string;
  /** Member object IDs: users or groups. */
  memberIds: string[];
  ownerIds: string[];
}

/** A client secret. The value is kept only as a hash; it is shown once when created. */
export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  hint: string;
  valueSha256: string;
  startDateTime: string;
  endDateTime: string;
}

/** An uploaded certificate (public part only). */
export interface KeyCredential {
  keyId: string;
  displayName: string;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
  /** Base64 SHA-1 thumbprint, as the app manifest shows it. */
  customKeyIdentifier: string;
  /** base64url SHA-1 and SHA-256 thumbprints, as client assertions name them in x5t / x5t#S256. */
  x5t: string;
  x5tS256: string;
  certificatePem: string;
  startDateTime: string;
  endDateTime: string;
}

export interface ResourceAccess {
  id: string;
  type: 'Role' | 'Scope';
}

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: ResourceAccess[];
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: SignInAudience;
  /** Tenant in which the application object lives (its home tenant). */
  homeTenantId: string;
  web: { redirectUris: string[] };
  publicClient: { redirectUris: string[] };
  spa: { redirectUris: string[] };
  /** "Allow public client flows" in the portal. */
  isFallbackPublicClient: boolean;
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  requiredResourceAccess: RequiredResourceAccess[];
  createdDateTime: string;
}

export interface AppRole {
  id: string;
  value: string;
  displayName: string;
  description: string;
  allowedMemberTypes: ['Application'];
  isEnabled: true;
}

export interface PermissionScope {
  id: string;
  value: string;
  type: 'User' | 'Admin';
  adminConsentDisplayName: string;
  adminConsentDescription: string;
  userConsentDisplayName: string;
  userConsentDescription: string;
  isEnabled: true;
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  appOwnerOrganizationId: string;
  servicePrincipalType: 'Application';
  signInAudience: SignInAudience;
  appRoles: AppRole[];
  oauth2PermissionScopes: PermissionScope[];
  createdDateTime: string;
}

/** An application permission granted to a client service principal (admin consent). */
export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalDisplayName: string;
  principalType: 'ServicePrincipal';
  resourceId: string;
  resourceDisplayName: string;
  createdDateTime: string;
}

/** Delegated permissions granted to a client, for all users (admin consent) or for one user. */
export interface OAuth2PermissionGrant {
  id: string;
  clientId: string;
  consentType: 'AllPrincipals' | 'Principal';
  principalId: string | null;
  resourceId: string;
  /** Space-separated scope values. */
  scope: string;
}

export interface VerifiedDomain {
  name: string;
  isDefault: boolean;
  isInitial: boolean;
  type: 'Managed';
}

/** SharePoint's tenant sharing level, as /admin/sharepoint/settings names it. */
export type SharingCapability =
  | 'disabled'
  | 'externalUserSharingOnly'
  | 'externalUserAndGuestSharing'
  | 'existingExternalUserSharingOnly';

export interface TenantSettings {
  /** Whether users may consent to delegated permissions that need no admin consent. */
  usersCanConsent: boolean;
  /** Who files may be shared with: `externalUserAndGuestSharing` allows anonymous links. */
  sharingCapability: SharingCapability;
  /** Entra ID P1/P2: sign-in logs and signInActivity need it. */
  premiumLicense: boolean;
}

export interface Tenant {
  id: string;
  displayName: string;
  defaultDomain: string;
  verifiedDomains: VerifiedDomain[];
  countryLetterCode: string;
  createdDateTime: string;
  settings: TenantSettings;
  users: Map<string, User>;
  groups: Map<string, Group>;
  /** Application objects homed in this tenant, by appId. */
  applications: Map<string, Application>;
  /** Service principals in this tenant, by appId. */
  servicePrincipals: Map<string, ServicePrincipal>;
  appRoleAssignments: AppRoleAssignment[];
  oauth2PermissionGrants: OAuth2PermissionGrant[];
  /** Soft-deleted users and groups ("Deleted items"), restorable. */
  deletedUsers: Map<string, User>;
  deletedGroups: Map<string, Group>;
  /** Every write to users and groups, for delta queries. */
  changeLog: ChangeLog;
}
