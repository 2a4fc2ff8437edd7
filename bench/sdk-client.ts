/**
 * The official Microsoft Graph SDK for JavaScript, set up as a user would against the sandbox: MSAL's client
 * credentials for the tenant, the sandbox's Graph host as a custom host. The process trusts the sandbox's CA through
 * NODE_EXTRA_CA_CERTS, as a user's would.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client } from '@microsoft/microsoft-graph-client';
import type { SandboxState } from './directory-sync/sandbox-process.js';

export function sdkClient(state: SandboxState, appId: string, clientSecret: string): Client {
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: appId,
      clientSecret,
      authority: `${state.authority}/${state.tenants[0]!.id}`,
      knownAuthorities: [new URL(state.authority).host],
    },
  });
  return Client.initWithMiddleware({
    baseUrl: new URL(state.graph).origin,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(state.graph).hostname]),
    authProvider: {
      getAccessToken: async () =>
        (await msal.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken,
    },
  });
}
