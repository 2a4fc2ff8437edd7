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
