import { type Diagnosis, TenantlinkError } from '../errors.js';

/** What Graph said, as read from a non-2xx answer. */
export interface GraphErrorFacts {
  status: number;
  /** Graph's `error.code` (the workload's own casing: Authorization_RequestDenied, ErrorAccessDenied, itemNotFound). */
  microsoftCode?: string;
  /** A more specific `innerError.code`, when there is one (resyncRequired, …). */
  innerCode?: string;
  microsoftMessage?: string;
  requestId?: string;
  method: string;
  /** The route template, never the raw URL (it could hold a UPN). */
  route: string;
  /** The least-privileged application permission the call needed: the caller's, or the feature registry's. */
  permission?: string;
  /** The customer's tenant name, for "Grant admin consent for <tenant>". */
  tenantName?: string;
  /** Retries the pipeline made before giving up. */
  retries?: number;
}

interface ErrorRule {
  code: string;
  matches(f: GraphErrorFacts): boolean;
  diagnosis(f: GraphErrorFacts): Diagnosis;
}

const is = (f: GraphErrorFacts, ...codes: string[]) =>
  codes.some((c) => c.toLowerCase() === (f.microsoftCode ?? '').toLowerCase() || c === f.innerCode);
const says = (f: GraphErrorFacts, pattern: RegExp) => pattern.test(f.microsoftMessage ?? '');
const tenant = (f: GraphErrorFacts) => f.tenantName ?? 'your organization';

const grantFix = (f: GraphErrorFacts) => {
  const what = f.permission
    ? `the Microsoft Graph application permission ${f.permission}`
    : 'the Microsoft Graph application permission this feature needs';
  return `In the Azure portal, open App registrations > your app > API permissions, click Add a permission > Microsoft Graph > Application permissions, add ${what}, then click Grant admin consent for ${tenant(f)}.`;
};

/** One row per failure a person must act on, most specific first. The first matching row wins. */
export const GRAPH_ERROR_RULES: readonly ErrorRule[] = [
  {
    code: 'TOKEN_INVALID',
    matches: (f) => f.status === 401 && is(f, 'InvalidAuthenticationToken'),
    diagnosis: (f) => ({
      meaning: `Microsoft Graph refused the access token: ${f.microsoftMessage ?? 'it is not valid'}.`,
      fix: 'Check that the token is for Microsoft Graph (scope https://graph.microsoft.com/.default) from the same cloud as the Graph endpoint; tenantlink fetches a new one automatically when it has expired.',
    }),
  },
  {
    code: 'CONSENT_MISSING',
    matches: (f) => f.status === 401 && says(f, /scp or roles claim/i),
    diagnosis: (f) => ({
      meaning: 'The app has no Microsoft Graph permission granted in this tenant: its token carries no roles.',
      fix: `In the Azure portal, open App registrations > your app > API permissions and click Grant admin consent for ${tenant(f)}.`,
    }),
  },
  {
    code: 'MAILBOX_ACCESS_DENIED_BY_POLICY',
    matches: (f) => f.status === 403 && says(f, /Access to OData is disabled|AccessPolicy/i),
    diagnosis: () => ({
      meaning:
        "An Exchange application access policy keeps this app out of this mailbox: the app may only read mailboxes in the policy's group.",
      fix: 'In Exchange Online PowerShell, add the mailbox to the mail-enabled security group named in the policy (Get-ApplicationAccessPolicy shows it), or change the policy with Set-ApplicationAccessPolicy. Changes take up to 30 minutes to apply.',
    }),
  },
  {
    code: 'SHARING_DISABLED',
    matches: (f) => f.status === 403 && says(f, /feature has been disabled|sharing/i),
    diagnosis: () => ({
      meaning: "The tenant's SharePoint sharing settings do not allow this kind of link or invitation.",
      fix: 'In the SharePoint admin center, open Policies > Sharing and allow the sharing level needed (for example "Anyone" for anonymous links), or create links with a narrower scope such as organization.',
    }),
  },
  {
    code: 'SEND_AS_DENIED',
    matches: (f) => f.status === 403 && is(f, 'ErrorSendAsDenied'),
    diagnosis: () => ({
      meaning: 'The signed-in user has no right to send as (or on behalf of) this mailbox.',
      fix: 'In the Exchange admin center, open Recipients > Mailboxes > the mailbox > Delegation and give the user Send as or Send on behalf; for app-only sending, grant the application permission Mail.Send.',
    }),
  },
  {
    code: 'PREMIUM_LICENSE_REQUIRED',
    matches: (f) => f.status === 403 && is(f, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant'),
    diagnosis: () => ({
      meaning: 'Sign-in logs and sign-in activity need a Microsoft Entra ID P1 or P2 licence in the tenant.',
      fix: 'Assign Microsoft Entra ID P1 or P2 in the tenant, or turn off the features that read sign-in logs.',
    }),
  },
  {
    code: 'PERMISSION_MISSING',
    matches: (f) =>
      f.status === 403 && is(f, 'Authorization_RequestDenied', 'ErrorAccessDenied', 'accessDenied', 'AccessDenied'),
    diagnosis: (f) => ({
      meaning: `The app is not allowed to ${f.method} ${f.route}: the permission it needs was not granted (or admin consent was not given).`,
      fix: grantFix(f),
    }),
  },
  {
    code: 'ONEDRIVE_NOT_PROVISIONED',
    matches: (f) => (f.status === 404 || f.status === 400) && says(f, /mysite/i),
    diagnosis: () => ({
      meaning:
        'This user has no OneDrive yet: it is created on first sign-in to OneDrive, or by an admin, and can lag minutes after licensing.',
      fix: 'Make sure the user has a licence that includes OneDrive, then have them open OneDrive once, or pre-provision it with Request-SPOPersonalSite in SharePoint Online PowerShell.',
    }),
  },
  {
    code: 'MAILBOX_NOT_FOUND',
    matches: (f) => is(f, 'MailboxNotEnabledForRESTAPI', 'ErrorInvalidUser', 'MailboxNotFound'),
    diagnosis: () => ({
      meaning:
        'This user has no Exchange Online mailbox (unlicensed, on-premises, or not yet created), or does not exist.',
      fix: 'In the Microsoft 365 admin center, open Users > Active users > the user > Licenses and apps and assign a licence that includes Exchange Online; the mailbox appears within minutes.',
    }),
  },
  {
    code: 'DELTA_TOKEN_EXPIRED',
    matches: (f) =>
      f.status === 410 ||
      is(f, 'syncStateNotFound', 'resyncRequired', 'resyncChangesApplyDifferences', 'resyncChangesUploadDifferences'),
    diagnosis: () => ({
      meaning:
        'The saved delta link has expired or its sync state is gone, so Microsoft Graph cannot say what changed.',
      fix: 'Nothing to do in the portal: tenantlink restarts this sync from the beginning and reconciles what it already has.',
    }),
  },
  {
    code: 'THROTTLED',
    matches: (f) => f.status === 429,
    diagnosis: (f) => ({
      meaning: `Microsoft Graph throttled the app and it stayed throttled after ${f.retries ?? 0} retries.`,
      fix: 'Wait and try again later; if it keeps happening, lower the sync frequency or concurrency for this tenant.',
    }),
  },
  {
    code: 'SERVICE_UNAVAILABLE',
    matches: (f) => f.status === 503 || f.status === 504,
    diagnosis: (f) => ({
      meaning: `Microsoft Graph was unavailable and stayed unavailable after ${f.retries ?? 0} retries.`,
      fix: 'Try again later; check the Microsoft 365 Service health page in the admin center for an incident.',
    }),
  },
  {
    code: 'NOT_FOUND',
    matches: (f) => f.status === 404,
    diagnosis: () => ({
      meaning: 'The object does not exist (or no longer exists) in the tenant.',
      fix: 'Check the ID; if it came from an earlier sync, the object was deleted since.',
    }),
  },
  {
    code: 'FAILED_DEPENDENCY',
    matches: (f) => f.status === 424,
    diagnosis: () => ({
      meaning: 'A request this one depended on (in the same batch) failed, so it was not run.',
      fix: 'See the error of the request it depends on.',
    }),
  },
  {
    code: 'CONFLICT',
    matches: (f) => f.status === 409 || f.status === 412,
    diagnosis: () => ({
      meaning: 'The object changed or already exists.',
      fix: 'Read it again and retry the change, or choose another name.',
    }),
  },
  {
    code: 'BAD_REQUEST',
    matches: (f) => f.status === 400,
    diagnosis: (f) => ({
      meaning: `Microsoft Graph rejected the request: ${f.microsoftMessage ?? 'it is malformed'}.`,
      fix: 'This is a bug in the caller or an unsupported query; report it with the request-id.',
    }),
  },
  {
    code: 'GRAPH_SERVER_ERROR',
    matches: (f) => f.status >= 500,
    diagnosis: () => ({
      meaning: 'Microsoft Graph failed while handling the request.',
      fix: 'Try again later; if it persists, open a Microsoft support request quoting the request-id.',
    }),
  },
];

/** Reads Graph's error envelope `{"error":{"code","message","innerError":{"code"?,"request-id"}}}`. */
export function readGraphErrorBody(text: string): {
  code?: string;
  message?: string;
  innerCode?: string;
  requestId?: string;
} {
  try {
    const body = JSON.parse(text) as {
      error?: {
        code?: string;
        message?: string;
        innerError?: { code?: string; 'request-id'?: string };
        innererror?: { code?: string; 'request-id'?: string };
      };
    };
    const inner = body.error?.innerError ?? body.error?.innererror;
    return {
      code: body.error?.code,
      message: body.error?.message,
      innerCode: inner?.code,
      requestId: inner?.['request-id'],
    };
  } catch {
    return {};
  }
}

/** Turns a non-2xx Graph answer into a TenantlinkError with a stable code and a diagnosis. */
export function graphError(facts: GraphErrorFacts): TenantlinkError {
  const rule = GRAPH_ERROR_RULES.find((r) => r.matches(facts));
  const code = rule?.code ?? 'GRAPH_ERROR';
  const diagnosis = rule?.diagnosis(facts);
  const what = facts.microsoftCode ? `${facts.microsoftCode}: ${facts.microsoftMessage ?? ''}`.trim() : 'no details';
  return new TenantlinkError(
    code,
    `Microsoft Graph answered ${facts.status} to ${facts.method} ${facts.route} (${what})`,
    {
      status: facts.status,
      ...(facts.microsoftCode !== undefined ? { microsoftCode: facts.microsoftCode } : {}),
      ...(facts.microsoftMessage !== undefined ? { microsoftMessage: facts.microsoftMessage } : {}),
      ...(facts.requestId !== undefined ? { requestId: facts.requestId } : {}),
      ...(diagnosis ? { diagnosis } : {}),
    },
  );
}

/** The error for an answer: reads the envelope and the `request-id` header. */
export function graphErrorFromResponse(
  response: { status: number; headers: Headers },
  bodyText: string,
  context: { method: string; route: string; permission?: string; tenantName?: string; retries?: number },
): TenantlinkError {
  const body = readGraphErrorBody(bodyText);
  return graphError({
    status: response.status,
    microsoftCode: body.code,
    innerCode: body.innerCode,
    microsoftMessage: body.message,
    requestId: response.headers.get('request-id') ?? body.requestId,
    ...context,
  });
}

/** A request that never got an answer (DNS, TLS, connection reset, abort). */
export function networkError(err: unknown, context: { method: string; route: string }): TenantlinkError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'AbortError')
    return new TenantlinkError('ABORTED', `${context.method} ${context.route} was cancelled.`, { cause: err });
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? 'unknown error';
  return new TenantlinkError(
    'NETWORK_ERROR',
    `Could not reach Microsoft Graph for ${context.method} ${context.route}: ${detail}`,
    {
      cause: err,
      diagnosis: {
        meaning: 'The request never got an answer from Microsoft Graph.',
        fix: 'Check the network path to the Graph endpoint (proxy, firewall, DNS, TLS inspection) from the machine running tenantlink.',
      },
    },
  );
}
