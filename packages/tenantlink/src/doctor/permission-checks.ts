import {
  FEATURE_CATALOGUE,
  isSatisfied,
  type PermissionNeed,
  type PermissionType,
  requiredPermissions,
} from '../catalogue/permissions.js';
import type { Feature } from '../connections/model.js';
import type { Finding } from './findings.js';

/** Scopes every delegated sign-in carries or asks for that no feature is responsible for. */
const SIGN_IN_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access', 'User.Read']);

export interface GrantCheckInput {
  /** The type the connection uses: application (`roles`) or delegated (`scp`). */
  type: PermissionType;
  /** What the token grants. */
  granted: readonly string[];
  features: readonly Feature[];
  /**
   * What was granted as the other type, when the doctor could find out (an app-only token of a confidential
   * delegated app, or the service principal's delegated grants). A need met only there is WRONG_PERMISSION_TYPE.
   */
  grantedAsOtherType?: readonly string[];
}

const other = (type: PermissionType): PermissionType => (type === 'application' ? 'delegated' : 'application');
const label = (type: PermissionType) => (type === 'application' ? 'Application permissions' : 'Delegated permissions');

/** Compares what a token grants with what the catalogue says the features need. */
export function grantFindings(input: GrantCheckInput): Finding[] {
  const { type, granted, features } = input;
  const mode = type === 'application' ? 'application' : 'delegated';
  const { permissions } = requiredPermissions(features, mode);
  const needs = permissions.filter((p) => p.features.length > 0);
  const findings: Finding[] = [];
  const wrongType = (p: PermissionNeed) =>
    input.grantedAsOtherType !== undefined && isSatisfied(p, input.grantedAsOtherType);

  if (type === 'application' && granted.length === 0 && !needs.some(wrongType)) {
    return [
      {
        code: 'CONSENT_MISSING',
        severity: 'error',
        feature: null,
        message: 'The token grants no application permission: admin consent was not granted in this tenant.',
        fix:
          'In the Microsoft Entra admin center, open App registrations > this app > API permissions and select ' +
          `Grant admin consent for your organization (needed: ${needs.map((p) => p.permission).join(', ')}).`,
      },
    ];
  }
  for (const p of needs) {
    if (isSatisfied(p, granted)) continue;
    for (const feature of p.features)
      findings.push(
        wrongType(p)
          ? {
              code: 'WRONG_PERMISSION_TYPE',
              severity: 'error',
              feature,
              message: `${p.permission} is granted as a ${other(type)} permission, but this connection needs it as an ${type} permission (${feature} uses it to ${p.why}).`,
              fix:
                `In API permissions, select Add a permission > Microsoft Graph > ${label(type)} > ${p.permission}, ` +
                `then Grant admin consent for your organization; remove the ${other(type)} ${p.permission} if nothing else uses it.`,
            }
          : {
              code: 'PERMISSION_MISSING',
              severity: 'error',
              feature,
              message: `${p.permission} (${type}) is not granted; ${feature} needs it to ${p.why}.`,
              fix:
                `In API permissions, select Add a permission > Microsoft Graph > ${label(type)} > ${p.permission}, ` +
                'then Grant admin consent for your organization.',
            },
      );
  }
  for (const g of granted) {
    if (type === 'delegated' && SIGN_IN_SCOPES.has(g)) continue;
    if (isNeeded(g, type, features)) continue;
    findings.push({
      code: 'PERMISSION_EXCESSIVE',
      severity: 'info',
      feature: null,
      message: `${g} is granted, but no enabled feature needs it.`,
      fix: `Remove ${g} in API permissions (select … > Remove permission), unless another product uses this app.`,
    });
  }
  return findings;
}

/** Whether a granted permission is one the features need, or a higher one that satisfies a need. */
function isNeeded(granted: string, type: PermissionType, features: readonly Feature[]): boolean {
  const needs: PermissionNeed[] = FEATURE_CATALOGUE.filter((e) => features.includes(e.feature)).flatMap(
    (e) => e[type] ?? [],
  );
  return needs.some((n) => n.permission === granted || n.alsoSatisfiedBy.includes(granted));
}
