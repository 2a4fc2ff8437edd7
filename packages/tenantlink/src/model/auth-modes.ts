/** How a connection authenticates to the customer's tenant. */
export type AuthMode = 'secret' | 'certificate' | 'delegated' | 'multi-tenant';
export const AUTH_MODES: readonly AuthMode[] = ['secret', 'certificate', 'delegated', 'multi-tenant'];

/** How customers connect through an integration: admin consent to the vendor's app, or a user's sign-in. */
export type IntegrationAuthMode = 'multi-tenant' | 'delegated';

/** What an API key may do. */
export const API_KEY_SCOPES = ['admin', 'read', 'metrics'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
