import type { SetupGuide } from './setup-guide.js';

export type GuideFormat = 'markdown' | 'html' | 'json';

export function renderGuide(guide: SetupGuide, format: GuideFormat): string {
  if (format === 'json') return `${JSON.stringify(guide, null, 2)}\n`;
  return format === 'html' ? renderHtml(guide) : renderMarkdown(guide);
}

function modeLabel(guide: SetupGuide): string {
  return guide.mode === 'delegated'
    ? 'delegated (a signed-in user)'
    : guide.mode === 'multi-tenant'
      ? 'multi-tenant application'
      : 'application (no signed-in user)';
}

function renderMarkdown(guide: SetupGuide): string {
  const out: string[] = [
    `# Connect Microsoft 365: ${guide.appName}`,
    '',
    `Features: ${guide.features.join(', ')}. Access: ${modeLabel(guide)}.`,
    '',
  ];
  guide.steps.forEach((step, i) => {
    out.push(`## ${i + 1}. ${step.title}`, '');
    for (const line of step.lines) out.push(`- ${line}`);
    out.push('');
  });
  out.push(
    '## Permissions',
    '',
    '| Permission | Type | ID | Needed for |',
    '| --- | --- | --- | --- |',
    ...guide.permissions.map(
      (p) => `| ${p.permission} | ${p.type} | \`${p.id}\` | ${p.features.join(', ') || 'sign-in'}: ${p.why} |`,
    ),
    '',
  );
  if (guide.adminConsentUrl)
    out.push(
      '## Admin consent link for customers',
      '',
      "Put the Application (client) ID in this link; a customer's administrator opens it to consent for their tenant:",
      '',
      '```text',
      guide.adminConsentUrl,
      '```',
      '',
    );
  out.push(
    '## App manifest',
    '',
    'The `requiredResourceAccess` block of the app manifest (Manifest, in the app registration):',
    '',
    '```json',
    JSON.stringify(guide.manifest, null, 2),
    '```',
    '',
    '## Azure CLI',
    '',
    '```bash',
    guide.azureCli.trimEnd(),
    '```',
    '',
    '## Microsoft Graph PowerShell',
    '',
    '```powershell',
    guide.powerShell.trimEnd(),
    '```',
    '',
  );
  return out.join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function renderHtml(guide: SetupGuide): string {
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>Connect Microsoft 365: ${escapeHtml(guide.appName)}</title></head><body>`,
    `<h1>Connect Microsoft 365: ${escapeHtml(guide.appName)}</h1>`,
    `<p>Features: ${escapeHtml(guide.features.join(', '))}. Access: ${escapeHtml(modeLabel(guide))}.</p>`,
    '<ol>',
    ...guide.steps.map(
      (s) =>
        `<li><h2>${escapeHtml(s.title)}</h2><ul>${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul></li>`,
    ),
    '</ol>',
    '<h2>Permissions</h2><table><thead><tr><th>Permission</th><th>Type</th><th>ID</th><th>Needed for</th></tr></thead><tbody>',
    ...guide.permissions.map(
      (p) =>
        `<tr><td>${escapeHtml(p.permission)}</td><td>${p.type}</td><td><code>${p.id}</code></td><td>${escapeHtml(
          `${p.features.join(', ') || 'sign-in'}: ${p.why}`,
        )}</td></tr>`,
    ),
    '</tbody></table>',
  ];
  if (guide.adminConsentUrl)
    parts.push('<h2>Admin consent link for customers</h2>', `<pre>${escapeHtml(guide.adminConsentUrl)}</pre>`);
  parts.push(
    '<h2>App manifest</h2>',
    `<pre>${escapeHtml(JSON.stringify(guide.manifest, null, 2))}</pre>`,
    '<h2>Azure CLI</h2>',
    `<pre>${escapeHtml(guide.azureCli)}</pre>`,
    '<h2>Microsoft Graph PowerShell</h2>',
    `<pre>${escapeHtml(guide.powerShell)}</pre>`,
    '</body></html>',
    '',
  );
  return parts.join('\n');
}
