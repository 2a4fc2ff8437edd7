import { Client } from '@microsoft/microsoft-graph-client';
import type { confidentialClient, Harness } from '../../src/testing/index.js';

/** The unmodified Graph SDK pointed at the sandbox: its host, its CA (through the harness's dispatcher), a token source. */
export function graphSdkClient(h: Harness, getAccessToken: () => Promise<string>): Client {
  return Client.initWithMiddleware({
    baseUrl: h.sandbox.authority,
    defaultVersion: 'v1.0',
    customHosts: new Set(['localhost']),
    fetchOptions: { dispatcher: h.dispatcher } as RequestInit,
    authProvider: { getAccessToken },
  });
}

/** App-only Graph tokens from an MSAL confidential client, as the SDK's auth provider asks for them. */
export function clientCredentialTokens(cca: ReturnType<typeof confidentialClient>): () => Promise<string> {
  return async () =>
    (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken;
}
