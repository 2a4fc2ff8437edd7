import { TenantlinkError } from '../errors.js';
import type { ConnectFlowError } from '../store/connect-flows-repository.js';

/**
 * The codes a connect flow ends with when it fails, as the vendor's return URL, `GET /api/v1/connect-sessions/{id}`
 * and the `connect.failed` webhook carry them. Microsoft's other OAuth errors (`invalid_request`, …) and tenantlink's
 * own codes (`CONSENT_MISSING`, …) come through as they are.
 */
export const FLOW_ERRORS = {
  consent_declined: 'The permissions were declined on Microsoft\u2019s consent page.',
  admin_required:
    'Granting these permissions needs an administrator of the organisation; the account that signed in is not one.',
  sign_in_cancelled: 'The sign-in was cancelled on Microsoft\u2019s page.',
  tenant_mismatch: 'The organisation that granted the permissions is not the one the administrator signed in to.',
  link_expired: 'The connect link expired before connecting finished (links work for 15 minutes).',
  link_used: 'The connect link was already used in another browser.',
  cancelled: 'The administrator chose not to connect, on the page before Microsoft\u2019s.',
} as const;

export type FlowErrorCode = keyof typeof FLOW_ERRORS;

export function flowError(code: FlowErrorCode): ConnectFlowError {
  return { code, message: FLOW_ERRORS[code] };
}

/** What Microsoft's redirect carries when a leg failed. */
export interface MicrosoftAnswer {
  error?: string | undefined;
  error_subcode?: unknown;
  error_description?: string | undefined;
}

/**
 * Microsoft's error on a redirect, made precise: declining on a consent page (AADSTS65004) is `consent_declined`;
 * "Return to the application" from "Need admin approval" (`error_subcode=cancel`, or AADSTS90094) is
 * `admin_required` on a consent leg and `sign_in_cancelled` on a sign-in leg. Anything else keeps Microsoft's code and
 * the first line of its description (no trace IDs).
 */
export function microsoftFlowError(answer: MicrosoftAnswer, leg: 'consent' | 'sign-in'): ConnectFlowError {
  const description = answer.error_description ?? '';
  if (/\bAADSTS65004\b/.test(description)) return flowError('consent_declined');
  if (/\bAADSTS90094\b/.test(description)) return flowError('admin_required');
  if (answer.error === 'access_denied' && answer.error_subcode === 'cancel')
    return flowError(leg === 'consent' ? 'admin_required' : 'sign_in_cancelled');
  const firstLine = description.split(/\r?\n/)[0]?.trim() ?? '';
  const code = answer.error && /^[a-z_]{1,64}$/.test(answer.error) ? answer.error : 'invalid_response';
  return { code, message: firstLine.slice(0, 300) || `Microsoft answered ${code}.` };
}

/** Errors of a silent sign-in (`prompt=none`) that an interactive sign-in can get past. */
export const SILENT_SIGN_IN_NEEDS_A_PAGE = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/** A failure on tenantlink's side, in the flow's terms (a TenantlinkError's code and message; never a secret). */
export function asFlowError(err: unknown): ConnectFlowError | undefined {
  if (err instanceof TenantlinkError) {
    if (err.code === 'TENANT_MISMATCH') return flowError('tenant_mismatch');
    return { code: err.code, message: err.message.slice(0, 300) };
  }
  return undefined;
}
