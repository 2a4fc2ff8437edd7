/** A Microsoft Graph error: status, the workload's code and message, optional headers and inner-error fields. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly innerError: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** `innerError.date` is Graph's ISO form without fraction or zone: "2022-04-24T12:48:07". */
export function innerErrorDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function graphErrorBody(
  err: GraphError,
  ids: { requestId: string; clientRequestId: string; nowMs: number },
): { error: Record<string, unknown> } {
  return {
    error: {
      code: err.code,
      message: err.message,
      innerError: {
        date: innerErrorDate(ids.nowMs),
        'request-id': ids.requestId,
        'client-request-id': ids.clientRequestId,
        ...err.innerError,
      },
    },
  };
}

export const notFound = (id: string) =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const badRequest = (message: string, code = 'Request_BadRequest') => new GraphError(400, code, message);
