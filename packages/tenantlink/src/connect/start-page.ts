import { requiredPermissions } from '../catalogue/permissions.js';
import { featureDefinition } from '../features/index.js';
import { vendorName } from './browser-flows.js';
import type { Integration } from './integrations.js';
import type { StartPage } from './pages.js';

/**
 * What the start page says about an integration: who asks, what it will read and why (the catalogue's reasons), and
 * which Microsoft Entra role can grant it. Application permissions to Microsoft Graph can be granted only by a Global
 * Administrator or a Privileged Role Administrator; delegated ones also by a Cloud Application or Application
 * Administrator, or by any user where user consent is allowed.
 */
export function startPageContent(
  integration: Integration & { logoUrl?: string | null },
): Omit<StartPage, 'action' | 'fields' | 'resuming'> {
  const adminConsent = integration.authMode === 'multi-tenant';
  const { permissions } = requiredPermissions(integration.features, adminConsent ? 'multi-tenant' : 'delegated');
  const application = permissions.some((p) => p.type === 'application');
  return {
    vendor: vendorName(integration),
    logoUrl: integration.logoUrl ?? null,
    features: integration.features.map((f) => featureDefinition(f)?.title ?? f),
    permissions: permissions.map((p) => ({ permission: p.permission, type: p.type, why: p.why })),
    adminRole: application
      ? 'A Global Administrator or Privileged Role Administrator of your organisation: only they can grant application permissions to Microsoft Graph'
      : 'Anyone in your organisation who may consent to these permissions; where one needs an administrator, a Cloud Application Administrator or Application Administrator (or a higher role) signs in',
    mode: adminConsent ? 'admin-consent' : 'sign-in',
  };
}
