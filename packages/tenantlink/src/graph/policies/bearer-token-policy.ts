import type { GraphResponse, PipelinePolicy } from '../pipeline.js';

/** Returns an access token for Microsoft Graph; `forceRefresh` asks for a new one instead of a cached one. */
export type GetToken = (options?: { forceRefresh?: boolean }) => Promise<string>;

/** Graph's answer when the token expired between the cache check and the call (clock skew, long queues). */
async function isExpiredTokenAnswer(response: GraphResponse): Promise<boolean> {
  if (response.status !== 401) return false;
  try {
    const body = JSON.parse(await response.text()) as { error?: { code?: string; message?: string } };
    return body.error?.code === 'InvalidAuthenticationToken' && /expired|lifetime/i.test(body.error.message ?? '');
  } catch {
    return false;
  }
}

/** Sets `Authorization: Bearer …` from `getToken`; on a 401 for an expired token, gets a fresh one and tries once more. */
export function bearerTokenPolicy(getToken: GetToken): PipelinePolicy {
  return {
    name: 'bearerTokenPolicy',
    async sendRequest(request, next) {
      request.headers.authorization = `Bearer ${await getToken()}`;
      const response = await next(request);
      if (!(await isExpiredTokenAnswer(response))) return response;
      request.headers.authorization = `Bearer ${await getToken({ forceRefresh: true })}`;
      return next(request);
    },
  };
}
