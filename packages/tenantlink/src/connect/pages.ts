/** The few pages a person sees on tenantlink itself during a connect flow: only when it cannot go on. */

export interface ConnectPage {
  status: number;
  code: string;
  title: string;
  message: string;
  fix?: string | undefined;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A plain, self-contained page: no script, no external resource (the CSP the route sends allows none). */
export function renderConnectPage(page: ConnectPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(page.title)} · tenantlink</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f5f6f8;color:#1b1f24}
main{max-width:36rem;margin:12vh auto;background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:2rem}
h1{font-size:1.3rem;margin:0 0 1rem}
p{margin:.5rem 0}
code{font-size:.85rem;color:#57606a}
</style>
</head>
<body>
<main data-error-code="${escapeHtml(page.code)}">
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
${page.fix ? `<p>${escapeHtml(page.fix)}</p>` : ''}
<p><code>${escapeHtml(page.code)}</code></p>
</main>
</body>
</html>
`;
}

/** Headers for every connect page and redirect: never cached, never framed, no referrer to Microsoft or back. */
export const CONNECT_PAGE_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};
