import type { FilterCapabilities, FilterOperator, PropertyCapability } from './capabilities.js';

// What Graph's directory resources (users, groups, service principals, applications) support in `$filter`.
// Rules from aad-advanced-queries.md applied throughout: `in` works by default wherever `eq` does; `ne` and `not`
// always need advanced query parameters; so do `endsWith` (mail, otherMails, userPrincipalName, proxyAddresses only)
// and `eq null`. gt/lt are not listed for any directory property, so none allows them.

function cap(
  type: PropertyCapability['type'],
  basic: FilterOperator[],
  advanced: FilterOperator[] = [],
  item?: Record<string, PropertyCapability>,
): PropertyCapability {
  return item === undefined ? { type, basic, advanced } : { type, basic, advanced, item };
}

/** Key-like and enumerated values: eq and in. */
const exact = (type: PropertyCapability['type'] = 'string') => cap(type, ['eq', 'in'], ['ne', 'not']);
/** Indexed text: eq, in, ranges, startsWith by default; eq null in advanced queries. */
const indexedText = () => cap('string', ['eq', 'ge', 'le', 'in', 'startsWith'], ['ne', 'not', 'eqNull']);
/** Text indexed only in the advanced store: everything needs advanced query parameters. */
const advancedOnlyText = () => cap('string', [], ['eq', 'ne', 'not', 'ge', 'le', 'in', 'startsWith', 'eqNull']);
/** Mail addresses: as text, plus endsWith in advanced queries. */
const mailAddress = () => cap('string', ['eq', 'ge', 'le', 'in', 'startsWith'], ['ne', 'not', 'endsWith', 'eqNull']);
/** Free text that is not in the `in` index. */
const freeText = () => cap('string', ['eq', 'ge', 'le', 'startsWith'], ['ne', 'not']);
/** Dates with eq and ranges by default. */
const timestamp = (inByDefault: boolean) =>
  cap(
    'datetime',
    inByDefault ? ['eq', 'ge', 'le', 'in'] : ['eq', 'ge', 'le'],
    inByDefault ? ['ne', 'not'] : ['ne', 'not', 'in'],
  );
/** String collections filtered through any(); `not` needs advanced query parameters. */
const strings = (basic: FilterOperator[], advanced: FilterOperator[] = []) =>
  cap('stringCollection', ['any', ...basic], ['not', ...advanced]);

// user.md and includes/filter-directory-objects.md.
export const USER_FILTER: FilterCapabilities = {
  resource: 'User',
  properties: {
    id: exact(),
    userPrincipalName: cap('string', ['eq', 'ge', 'le', 'in', 'startsWith'], ['ne', 'not', 'endsWith']),
    displayName: indexedText(),
    givenName: indexedText(),
    surname: indexedText(),
    mail: mailAddress(),
    mailNickname: indexedText(),
    jobTitle: indexedText(),
    department: indexedText(),
    city: indexedText(),
    state: indexedText(),
    country: indexedText(),
    usageLocation: indexedText(),
    companyName: advancedOnlyText(),
    officeLocation: advancedOnlyText(),
    mobilePhone: advancedOnlyText(),
    postalCode: advancedOnlyText(),
    streetAddress: advancedOnlyText(),
    preferredLanguage: advancedOnlyText(),
    employeeType: cap('string', [], ['eq', 'ne', 'not', 'ge', 'le', 'in', 'startsWith']),
    employeeId: cap('string', ['eq', 'in', 'startsWith'], ['ne', 'not', 'ge', 'le', 'eqNull']),
    employeeHireDate: cap('datetime', [], ['eq', 'ne', 'not', 'ge', 'le', 'in']),
    accountEnabled: cap('boolean', ['eq', 'in'], ['ne', 'not', 'ge', 'le']),
    showInAddressList: cap('boolean', [], ['eq', 'ne', 'not', 'in']),
    onPremisesSyncEnabled: cap('boolean', ['eq', 'in'], ['ne', 'not', 'eqNull']),
    userType: cap('string', ['eq', 'in'], ['ne', 'not', 'eqNull']),
    creationType: exact(),
    externalUserState: exact(),
    ageGroup: exact(),
    consentProvidedForMinor: exact(),
    createdDateTime: timestamp(false),
    assignedLicenses: cap('objectCollection', ['any'], ['not'], { skuId: cap('guid', ['eq']) }),
    assignedPlans: cap('objectCollection', ['any'], ['not'], {
      servicePlanId: cap('guid', ['eq']),
      capabilityStatus: cap('string', ['eq']),
      service: cap('string', ['eq']),
    }),
    identities: cap('objectCollection', ['any'], [], {
      issuer: cap('string', ['eq']),
      issuerAssignedId: cap('string', ['eq']),
      signInType: cap('string', ['eq']),
    }),
    proxyAddresses: strings(['eq', 'ge', 'le', 'startsWith'], ['endsWith']),
    otherMails: strings(['eq', 'ge', 'le', 'in', 'startsWith'], ['endsWith']),
    imAddresses: strings(['eq', 'ge', 'le', 'startsWith']),
    businessPhones: strings(['eq']),
  },
};

// group.md; `visibility` from the newer group.md ("eq, ne, not, in"), not in the stored version.
export const GROUP_FILTER: FilterCapabilities = {
  resource: 'Group',
  properties: {
    id: exact(),
    displayName: indexedText(),
    description: freeText(),
    mail: mailAddress(),
    mailNickname: indexedText(),
    mailEnabled: exact('boolean'),
    securityEnabled: exact('boolean'),
    isAssignableToRole: exact('boolean'),
    onPremisesSyncEnabled: cap('boolean', ['eq', 'in'], ['ne', 'not', 'eqNull']),
    hasMembersWithLicenseErrors: cap('boolean', ['eq']),
    groupTypes: strings(['eq']),
    visibility: exact(),
    classification: freeText(),
    membershipRule: freeText(),
    membershipRuleProcessingState: exact(),
    preferredLanguage: indexedText(),
    createdDateTime: timestamp(true),
    expirationDateTime: timestamp(true),
    renewedDateTime: timestamp(true),
    proxyAddresses: strings(['eq', 'ge', 'le', 'startsWith'], ['endsWith']),
  },
};

// serviceprincipal.md; accountEnabled, servicePrincipalType and preferredSingleSignOnMode follow the eq/in rule.
export const SERVICE_PRINCIPAL_FILTER: FilterCapabilities = {
  resource: 'ServicePrincipal',
  properties: {
    id: exact(),
    appId: cap('string', ['eq', 'in', 'startsWith'], ['ne', 'not']),
    displayName: indexedText(),
    description: freeText(),
    accountEnabled: exact('boolean'),
    appRoleAssignmentRequired: exact('boolean'),
    servicePrincipalType: exact(),
    preferredSingleSignOnMode: exact(),
    applicationTemplateId: exact(),
    appOwnerOrganizationId: cap('guid', ['eq', 'ge', 'le', 'in'], ['ne', 'not']),
    servicePrincipalNames: strings(['eq', 'ge', 'le', 'startsWith']),
    alternativeNames: strings(['eq', 'ge', 'le', 'startsWith']),
    tags: strings(['eq', 'ge', 'le', 'startsWith']),
  },
};

// application.md.
export const APPLICATION_FILTER: FilterCapabilities = {
  resource: 'Application',
  properties: {
    id: exact(),
    appId: exact(),
    displayName: indexedText(),
    description: freeText(),
    signInAudience: exact(),
    disabledByMicrosoftStatus: exact(),
    applicationTemplateId: exact(),
    publisherDomain: cap('string', ['eq', 'ge', 'le', 'in', 'startsWith'], ['ne', 'not']),
    createdDateTime: cap('datetime', ['eq', 'ge', 'le', 'in'], ['ne', 'not', 'eqNull']),
    identifierUris: strings(['eq', 'ge', 'le', 'startsWith']),
    tags: strings(['eq', 'ge', 'le', 'startsWith']),
  },
};
