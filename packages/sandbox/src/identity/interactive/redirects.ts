import type { Directory } from '../../tenant/directory.js';
import type { Application } from '../../tenant/model.js';
import { errorTrailer, type IdentityError } from '../aadsts.js';
import type { IdentityContext } from '../context.js';
import type { Interaction, RedirectPlatform } from '../grant-store.js';
import { completeInteraction } from './interactions.js';
import { errorContextOf, type Outcome, type PageRequest, page, redirect } from './outcome.js';
import { formPostPage } from './pages.js';

/** Which of the app's redirect URI lists a URI is on: exact match, or an RFC 8252 loopback on any port. */
export function matchRedirect(app: Application, uri: string): RedirectPlatform | undefined {
  if (app.web.redirectUris.includes(uri)) return 'web';
  if (app.spa.redirectUris.includes(uri)) return 'spa';
  if (app.publicClient.redirectUris.includes(uri)) return 'publicClient';
  // RFC 8252 loopback redirects: a registered http://localhost URI matches any port.
  try {
    const url = new URL(uri);
    if (url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1')) {
      const withoutPort = `${url.protocol}//${url.hostname}${url.pathname === '/' ? '' : url.pathname}`;
      const registered = app.publicClient.redirectUris.map((u) => u.replace(/\/$/, ''));
      if (registered.includes(withoutPort.replace(/\/$/, ''))) return 'publicClient';
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Sign-out only returns to a URI some app registered (that app's, when the client names itself). */
export function isRegisteredRedirect(directory: Directory, uri: string, clientId: string | undefined): boolean {
  const apps = clientId
    ? [directory.findApplication(clientId)?.application].filter((a): a is Application => Boolean(a))
    : [...directory.tenants.values()].flatMap((t) => [...t.applications.values()]);
  return apps.some((a) => [...a.web.redirectUris, ...a.spa.redirectUris, ...a.publicClient.redirectUris].includes(uri));
}

/** Ends an authorize or admin-consent interaction at the client's redirect URI, in the response mode it asked for. */
export function redirectToClient(
  ctx: IdentityContext,
  interaction: Interaction,
  params: Record<string, string>,
): Outcome {
  completeInteraction(ctx, interaction);
  const target = interaction.authorize ?? interaction.adminConsent!;
  const mode = interaction.authorize?.responseMode ?? 'query';
  if (mode === 'form_post') return page(formPostPage(target.redirectUri, params));
  const url = new URL(target.redirectUri);
  const encoded = new URLSearchParams(params).toString();
  if (mode === 'fragment') url.hash = encoded;
  else url.search = url.search ? `${url.search.slice(1)}&${encoded}` : encoded;
  return redirect(url.toString());
}

/** Sends an error to the client: `error`, `error_description` (with the AADSTS code), `error_uri` and `state`. */
export function redirectError(
  ctx: IdentityContext,
  request: PageRequest,
  interaction: Interaction,
  err: IdentityError,
  extra: Record<string, string> = {},
): Outcome {
  const ectx = errorContextOf(ctx, request);
  const params: Record<string, string> = {
    error: err.definition.error,
    error_description: `AADSTS${err.code}: ${err.definition.message(err.params)}${errorTrailer(ectx)}`,
    error_uri: `${ectx.origin}/error?code=${err.code}`,
    ...extra,
  };
  return redirectToClient(ctx, interaction, withState(interaction, params));
}

/** "Return to the application" after a page the user could not get past: `access_denied`, subcode `cancel`. */
export function cancelRedirect(ctx: IdentityContext, interaction: Interaction): Outcome {
  return redirectToClient(
    ctx,
    interaction,
    withState(interaction, { error: 'access_denied', error_subcode: 'cancel' }),
  );
}

function withState(interaction: Interaction, params: Record<string, string>): Record<string, string> {
  const state = interaction.authorize?.state ?? interaction.adminConsent?.state;
  if (state !== null && state !== undefined) params.state = state;
  return params;
}
