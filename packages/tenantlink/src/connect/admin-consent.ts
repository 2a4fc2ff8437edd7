import { type AuthCloud, authorityUrl, graphScope } from '../auth/authority.js';

/**
 * The admin-consent link of a multi-tenant app in one tenant (v2.0 endpoint, `<Graph>/.default`: every permission
 * the registration lists). MSAL has no call for this browser-only step; the callback gets
 * `admin_consent=True&tenant=…` or `error=…&error_description=…`, with our `state`. That answer is not signed, so
 * its `tenant` is only believed when it is the tenant the admin signed in to just before (see BrowserFlows). No token
 * is involved: the connection then uses client credentials through MSAL in the consenting tenant.
 */
export function adminConsentUrl(
  cloud: AuthCloud,
  request: { tenant: string; clientId: string; redirectUri: string; state: string },
): string {
  const url = new URL(`${authorityUrl(cloud, request.tenant)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', request.clientId);
  url.searchParams.set('scope', graphScope(cloud));
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('state', request.state);
  return url.toString();
}
