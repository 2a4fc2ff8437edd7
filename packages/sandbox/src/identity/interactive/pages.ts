/**
 * The authority's HTML pages: sign-in, MFA approval, consent, device code entry, errors. Each page's main element
 * carries `data-step` so tests (and people) can tell where a flow stands; field and button names follow the
 * real sign-in pages (`login`, `passwd`, `idSIButton9`).
 */

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 16px}
.banner{font-size:13px;color:#666;margin-bottom:20px}
label{display:block;font-size:14px;margin:12px 0 4px}
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:6px 0;border:0;border-bottom:1px solid #666;font-size:15px}
.error{color:#e81123;font-size:14px;margin:8px 0}
.buttons{margin-top:28px;display:flex;gap:8px;justify-content:flex-end}
button{min-width:108px;padding:6px 12px;font-size:15px;border:0;cursor:pointer}
button.primary{background:#0067b8;color:#fff}
button.secondary{background:#ccc}
button.link{min-width:0;padding:0;background:none;color:#0067b8}
ul.permissions{padding-left:20px;font-size:14px}
ul.permissions li{margin:6px 0}
.details{font-size:12px;color:#666;margin-top:24px;word-break:break-all}
.code{font-family:monospace;font-size:20px;letter-spacing:2px}
`;

function layout(title: string, step: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main data-step="${step}">
<div class="banner">tenantlink sandbox · Microsoft identity platform</div>
${body}
</main></body></html>`;
}

function hidden(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

export function signInPage(args: {
  action: string;
  txn: string;
  appName: string;
  username: string;
  error?: { code: number; text: string };
}): string {
  const error = args.error
    ? `<div class="error" id="usernameError" data-error-code="${args.error.code}">${escapeHtml(args.error.text)}</div>`
    : '';
  return layout(
    'Sign in to your account',
    'signin',
    `<h1>Sign in</h1>
<p>to continue to ${escapeHtml(args.appName)}</p>
<form method="post" action="${escapeHtml(args.action)}">
${hidden({ txn: args.txn })}
${error}
<label for="i0116">Email, phone, or Skype</label>
<input type="email" id="i0116" name="login" value="${escapeHtml(args.username)}" autocomplete="username" required>
<label for="i0118">Password</label>
<input type="password" id="i0118" name="passwd" autocomplete="current-password">
<div class="buttons"><button type="submit" class="primary" id="idSIButton9">Sign in</button></div>
</form>`,
  );
}

export function mfaPage(args: { action: string; txn: string; username: string }): string {
  return layout(
    'Approve sign in request',
    'mfa',
    `<h1>Approve sign in request</h1>
<p>${escapeHtml(args.username)}: your organisation requires multi-factor authentication. In the sandbox, approving here
stands for the Authenticator app.</p>
<form method="post" action="${escapeHtml(args.action)}">
${hidden({ txn: args.txn })}
<div class="buttons">
<button type="submit" name="decision" value="deny" class="secondary" id="idBtn_Back">Deny</button>
<button type="submit" name="decision" value="approve" class="primary" id="idSIButton9">Approve</button>
</div></form>`,
  );
}

export interface ConsentItem {
  value: string;
  type: 'Application' | 'Delegated';
  displayName: string;
  adminOnly: boolean;
}

/**
 * What a consent page says about the organisation. The admin consent endpoint grants for everyone by nature, so it
 * shows no checkbox; in user consent only a Global Administrator may tick "Consent on behalf of your organization".
 */
export type OrganizationConsent = 'admin-consent' | 'optional' | 'none';

export function consentPage(args: {
  action: string;
  txn: string;
  appName: string;
  user: string;
  items: ConsentItem[];
  organization: OrganizationConsent;
}): string {
  const items = args.items
    .map(
      (i) =>
        `<li data-permission="${escapeHtml(i.value)}" data-type="${i.type}">${escapeHtml(i.displayName)} <small>(${escapeHtml(i.value)}, ${i.type.toLowerCase()}${i.adminOnly ? ', admin consent required' : ''})</small></li>`,
    )
    .join('\n');
  const organization = {
    'admin-consent':
      '<p>If you accept, this app gets access to the specified resources for all users in your organization. No one else will be prompted to review these permissions.</p>',
    optional:
      '<label><input type="checkbox" name="consentForOrganization" value="true"> Consent on behalf of your organization</label>',
    none: '',
  }[args.organization];
  const subtitle = args.organization === 'admin-consent' ? '<br><small>Accept for your organization</small>' : '';
  // The sandbox has no publisher verification, so every app is "unverified", as Entra shows unverified publishers.
  return layout(
    'Permissions requested',
    'consent',
    `<h1>Permissions requested${subtitle}</h1>
<p><strong>${escapeHtml(args.appName)}</strong><br><small data-publisher-verified="false">unverified</small></p>
<p>${escapeHtml(args.user)}</p>
<p>This app would like to:</p>
<ul class="permissions">${items}</ul>
<form method="post" action="${escapeHtml(args.action)}">
${hidden({ txn: args.txn })}
${organization}
<div class="buttons">
<button type="submit" name="decision" value="cancel" class="secondary" id="idBtn_Back">Cancel</button>
<button type="submit" name="decision" value="accept" class="primary" id="idSIButton9">Accept</button>
</div></form>`,
  );
}

/**
 * "Need admin approval": the first form returns to the application without consent; the second lets an admin sign in
 * instead, in the same request.
 */
export function needAdminApprovalPage(args: { action: string; txn: string; appName: string; items: string[] }): string {
  return layout(
    'Need admin approval',
    'admin-approval',
    `<h1>Need admin approval</h1>
<p><strong>${escapeHtml(args.appName)}</strong> needs permission to access resources in your organization that only an
admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<ul class="permissions">${args.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>
<div class="details" data-error-code="90094">AADSTS90094: The grant requires admin permission.</div>
<form method="post" action="${escapeHtml(args.action)}">
${hidden({ txn: args.txn, decision: 'back' })}
<div class="buttons"><button type="submit" class="secondary" id="idBtn_Back">Return to the application without granting consent</button></div>
</form>
<form method="post" action="${escapeHtml(args.action)}" data-action="switch-account">
${hidden({ txn: args.txn, decision: 'switch-account' })}
<p>Have an admin account? <button type="submit" class="link" id="adminAccountLink">Sign in with that account</button></p>
</form>`,
  );
}

export function errorPage(args: {
  code: number;
  message: string;
  traceId: string;
  correlationId: string;
  timestamp: string;
}): string {
  return layout(
    'Sign in error',
    'error',
    `<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error" data-error-code="${args.code}">AADSTS${args.code}: ${escapeHtml(args.message)}</p>
<div class="details">Request Id: ${escapeHtml(args.traceId)}<br>Correlation Id: ${escapeHtml(args.correlationId)}<br>
Timestamp: ${escapeHtml(args.timestamp)}</div>`,
  );
}

export function deviceCodeEntryPage(args: { action: string; error?: string }): string {
  const error = args.error ? `<div class="error" data-error-code="70018">${escapeHtml(args.error)}</div>` : '';
  return layout(
    'Enter code',
    'device-code',
    `<h1>Enter code</h1>
<p>Enter the code displayed on your app or device.</p>
<form method="post" action="${escapeHtml(args.action)}">
${error}
<input type="text" name="otc" id="otc" class="code" placeholder="Code" autocomplete="off" required>
<div class="buttons"><button type="submit" class="primary" id="idSIButton9">Next</button></div>
</form>`,
  );
}

export function deviceConfirmPage(args: { action: string; txn: string; appName: string }): string {
  return layout(
    'Are you trying to sign in?',
    'device-confirm',
    `<h1>Are you trying to sign in to ${escapeHtml(args.appName)}?</h1>
<p>Only continue if you downloaded the app from a store or website that you trust.</p>
<form method="post" action="${escapeHtml(args.action)}">
${hidden({ txn: args.txn })}
<div class="buttons">
<button type="submit" name="decision" value="cancel" class="secondary" id="idBtn_Back">Cancel</button>
<button type="submit" name="decision" value="continue" class="primary" id="idSIButton9">Continue</button>
</div></form>`,
  );
}

export function deviceDonePage(args: { appName: string; approved: boolean }): string {
  return layout(
    args.approved ? 'Signed in' : 'Sign-in cancelled',
    args.approved ? 'device-done' : 'device-declined',
    args.approved
      ? `<h1>${escapeHtml(args.appName)}</h1><p>You have signed in to the ${escapeHtml(args.appName)} application on your device. You may now close this window.</p>`
      : `<h1>${escapeHtml(args.appName)}</h1><p>You have declined to sign in to the application on your device. You may now close this window.</p>`,
  );
}

export function formPostPage(action: string, fields: Record<string, string>): string {
  return `<!doctype html><html><head><title>Working...</title></head>
<body onload="document.forms[0].submit()" data-step="form-post">
<form method="POST" name="hiddenform" action="${escapeHtml(action)}">${hidden(fields)}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript></form>
</body></html>`;
}

export function signedOutPage(): string {
  return layout(
    'Signed out',
    'signed-out',
    "<h1>You signed out of your account</h1><p>It's a good idea to close all browser windows.</p>",
  );
}

export function errorLookupPage(code: number, message: string | undefined): string {
  return layout(
    `Error ${code}`,
    'error-lookup',
    message
      ? `<h1>AADSTS${code}</h1><p>${escapeHtml(message)}</p>`
      : `<h1>AADSTS${code}</h1><p>The sandbox does not produce this error code.</p>`,
  );
}
