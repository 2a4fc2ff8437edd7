/** One problem with one field of a request, as the API's validation errors name them. */
export interface ErrorDetail {
  /** The field's path in the request body: `settings.testUser`, `features.1`. */
  path: string;
  message: string;
}

/** Any failure of a call, as screens show it: what happened, and the fix when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fix?: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API's error body (`{error: {code, message, fix?, details?}}`), or what the status says when there is none. */
export async function errorOfResponse(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as {
    error?: { code?: string; message?: string; fix?: string; details?: ErrorDetail[] };
  } | null;
  const error = body?.error;
  return new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? `The server answered ${[response.status, response.statusText].filter(Boolean).join(' ')}.`,
    error?.fix,
    error?.details ?? [],
  );
}

export function networkError(): ApiError {
  return new ApiError(
    0,
    'NETWORK',
    'tenantlink did not answer.',
    'Check that the tenantlink server is running and reachable, then try again.',
  );
}

/** Any failure as an ApiError, so screens show one kind of error. */
export function asApiError(reason: unknown): ApiError {
  return reason instanceof ApiError ? reason : new ApiError(0, 'UNEXPECTED', String(reason));
}
