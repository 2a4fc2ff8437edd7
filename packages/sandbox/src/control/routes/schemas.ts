/** JSON schemas more than one control-API resource validates with. */

export const stringArray = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

export const permissionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { application: stringArray, delegated: stringArray },
} as const;

export const redirectUrisSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { web: stringArray, publicClient: stringArray, spa: stringArray },
} as const;

export const audienceSchema = { type: 'string', enum: ['AzureADMyOrg', 'AzureADMultipleOrgs'] } as const;

/** A secret's lifetime and name, when an app is registered and when a secret is added. */
export const secretSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    expiresInDays: { type: 'integer', minimum: -3650, maximum: 3650 },
    displayName: { type: 'string' },
  },
} as const;
