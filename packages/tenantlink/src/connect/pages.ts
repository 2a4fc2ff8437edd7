/**
 * The pages a customer's administrator sees on tenantlink itself: the start page a connect link opens (who is asking,
 * what will be read and why, the admin role needed), and the pages that say how a link or flow stands when it cannot
 * go on. Plain, self-contained HTML: no script, no external resource but the vendor's logo.
 */

/** A page that says how things stand, with the way back to the vendor's product when there is one. */
export interface ConnectPage {
  status: number;
  code: string;
  title: string;
  message: string;
  fix?: string | undefined;
  /** The vendor's name and the return URL carrying the result: "Return to Acme". */
  back?: { vendor: string; url: string } | undefined;
}

/** What the start page shows before anything goes to Microsoft. */
export interface StartPage {
  vendor: string;
  logoUrl: string | null;
  /** `Directory: users and groups`, … */
  features: string[];
  permissions: { permission: string; type: 'application' | 'delegated'; why: string }[];
  /** The least Microsoft Entra role that can grant this. */
  adminRole: string;
  /** `admin-consent`: an administrator grants for the organisation; `sign-in`: a person signs in. */
  mode: 'admin-consent' | 'sign-in';
  /** Where "Continue with Microsoft" posts, with the link's integration and token. */
  action: string;
  fields: Record<string, string>;
  resuming: boolean;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f5f6f8;color:#1b1f24}
main{max-width:38rem;margin:8vh auto;background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:2rem}
@media (max-width:40rem){main{margin:0;border:0;border-radius:0;min-height:100vh;box-sizing:border-box}}
h1{font-size:1.3rem;margin:0 0 1rem}h2{font-size:1rem;margin:1.5rem 0 .5rem}
p{margin:.5rem 0}ul{padding-left:1.2rem;margin:.5rem 0}li{margin:.3rem 0}
code{font-size:.85rem;color:#57606a}.muted{color:#57606a;font-size:.9rem}
.logo{max-height:48px;max-width:12rem;display:block;margin-bottom:1rem}
.button{display:inline-block;background:#0f5ea8;color:#fff;border:0;border-radius:6px;padding:.7rem 1.2rem;
font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
.button:focus-visible,.link:focus-visible,a:focus-visible{outline:3px solid #f0b429;outline-offset:2px}
.actions{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.2rem}
.link{background:none;border:0;padding:.3rem 0;font:inherit;color:#0f5ea8;text-decoration:underline;cursor:pointer}
.secondary{background:#fff;color:#0f5ea8;border:1px solid #0f5ea8}`;

function layout(title: string, body: string, attributes = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<main${attributes}>
${body}
</main>
</body>
</html>
`;
}

/** The page a connect link opens: nothing goes to Microsoft, and the link is not used up, until "Continue". */
export function renderStartPage(page: StartPage): string {
  const title = `Connect your Microsoft 365 organisation to ${page.vendor}`;
  const hidden = Object.entries(page.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const permissions = page.permissions
    .map(
      (p) =>
        `<li><strong>${escapeHtml(p.permission)}</strong> <span class="muted">(${p.type === 'application' ? 'application' : 'delegated'})</span>: ${escapeHtml(p.why)}</li>`,
    )
    .join('\n');
  const who =
    page.mode === 'admin-consent'
      ? `<p>${escapeHtml(page.vendor)} asks an administrator of your organisation to grant it read access for the whole organisation. Microsoft shows one page to sign in and one to accept; nothing is granted until you accept there, and you can remove the access at any time under Enterprise applications.</p>
<h2>Who can accept</h2>
<p>${escapeHtml(page.adminRole)}.</p>`
      : `<p>${escapeHtml(page.vendor)} asks you to sign in with your work account, so that it can act for you with the permissions below.</p>
<h2>Who can sign in</h2>
<p>${escapeHtml(page.adminRole)}.</p>`;
  const body = `${page.logoUrl ? `<img class="logo" src="${escapeHtml(page.logoUrl)}" alt="${escapeHtml(page.vendor)}">` : ''}
<h1>${escapeHtml(title)}</h1>
${page.resuming ? '<p class="muted">You started connecting in this browser; continue where you left off.</p>' : ''}
${who}
<h2>What ${escapeHtml(page.vendor)} will be able to do</h2>
<p>${page.features.map(escapeHtml).join('; ')}.</p>
<ul>
${permissions}
</ul>
<form method="post" action="${escapeHtml(page.action)}">
${hidden}
<p class="actions"><button class="button" type="submit">Continue with Microsoft</button>
<button class="link" type="submit" name="action" value="cancel">Cancel and return to ${escapeHtml(page.vendor)}</button></p>
</form>
<p class="muted">This link works once, for 15 minutes. tenantlink connects ${escapeHtml(page.vendor)} to Microsoft 365 on its behalf.</p>`;
  return layout(`${title} · tenantlink`, body, ' data-page="start"');
}

/** A page that says how a link or a flow stands, and, when the vendor is known, the way back to its product. */
export function renderConnectPage(page: ConnectPage): string {
  const back = page.back
    ? `<p><a class="button" href="${escapeHtml(page.back.url)}">Return to ${escapeHtml(page.back.vendor)}</a></p>`
    : '';
  const body = `<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
${page.fix ? `<p>${escapeHtml(page.fix)}</p>` : ''}
${back}
<p><code>${escapeHtml(page.code)}</code></p>`;
  return layout(`${page.title} · tenantlink`, body, ` data-error-code="${escapeHtml(page.code)}"`);
}

/** Headers for every connect page and redirect: never cached, never framed, no referrer to Microsoft or back. */
export const CONNECT_PAGE_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

/**
 * The start page's policy: the vendor's logo may load over https, and its form may post here and be redirected to the
 * identity platform ("Continue") or to the vendor's return URL ("Cancel"): browsers apply form-action to the redirect
 * that follows the post.
 */
export function startPageHeaders(authorityOrigin: string, returnOrigin: string): Record<string, string> {
  return {
    ...CONNECT_PAGE_HEADERS,
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; img-src https:; form-action 'self' ${authorityOrigin} ${returnOrigin}; frame-ancestors 'none'`,
  };
}
