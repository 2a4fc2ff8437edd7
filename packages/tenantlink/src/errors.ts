/** What a failure means and how to fix it, in the Azure portal's words. */
export interface Diagnosis {
  meaning: string;
  fix: string;
}

/**
 * The one error type tenantlink raises: a stable `code`, the HTTP status when there was one, Microsoft's own code and
 * message (AADSTS or Graph), the request-id to quote to Microsoft support, and a diagnosis. Never carries a secret.
 */
export class TenantlinkError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly microsoftCode: string | undefined;
  readonly microsoftMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly diagnosis: Diagnosis | undefined;

  constructor(
    code: string,
    message: string,
    details: {
      status?: number;
      microsoftCode?: string;
      microsoftMessage?: string;
      requestId?: string;
      diagnosis?: Diagnosis;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TenantlinkError';
    this.code = code;
    this.status = details.status;
    this.microsoftCode = details.microsoftCode;
    this.microsoftMessage = details.microsoftMessage;
    this.requestId = details.requestId;
    this.diagnosis = details.diagnosis;
  }

  toJSON() {
    return {
      code: this.code,
      message: this.message,
      status: this.status,
      microsoftCode: this.microsoftCode,
      microsoftMessage: this.microsoftMessage,
      requestId: this.requestId,
      diagnosis: this.diagnosis,
    };
  }
}

/** Codes that mean the input was wrong (exit 2 in the CLI, 400 in the API), unless Microsoft answered with them. */
const INPUT_ERROR_CODES = new Set([
  'INVALID_INPUT',
  'INVALID_CLOUD',
  'SECRET_IS_SECRET_ID',
  'SECRET_MISSING',
  'CERTIFICATE_UNREADABLE',
  'CERTIFICATE_KEY_MISMATCH',
]);

export function isInputError(err: TenantlinkError): boolean {
  return INPUT_ERROR_CODES.has(err.code) && err.status === undefined;
}

/**
 * Codes that mean Microsoft, an authority or another remote service failed or could not be reached, whether or not
 * it answered with a status of its own: 502 in the API, never a 500.
 */
const UPSTREAM_ERROR_CODES = new Set([
  'AUTHORITY_UNREACHABLE',
  'AUTHORITY_UNAVAILABLE',
  'NETWORK_ERROR',
  'NETWORK_UNREACHABLE',
  'TOKEN_REQUEST_FAILED',
  'TOKEN_NOT_A_JWT',
  'UNTRUSTED_LINK',
  'BATCH_INVALID',
  'REFRESH_TOKEN_MISSING',
  'OUTBOUND_TARGET_REFUSED',
]);

export function isUpstreamError(err: TenantlinkError): boolean {
  return err.microsoftCode !== undefined || UPSTREAM_ERROR_CODES.has(err.code);
}
