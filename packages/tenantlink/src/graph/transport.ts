import { fetch as undiciFetch } from 'undici';
import type { GraphRequest, GraphResponse, SendRequest, TransportOptions } from './pipeline.js';

/** The innermost step: one HTTP exchange over undici's fetch. Network failures throw; every status resolves. */
export function fetchTransport(options: TransportOptions = {}): SendRequest {
  const doFetch = options.fetch ?? undiciFetch;
  return async (request: GraphRequest): Promise<GraphResponse> => {
    const res = await doFetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      redirect: 'manual',
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    let text: Promise<string> | undefined;
    return {
      request,
      status: res.status,
      headers: res.headers as unknown as Headers,
      text() {
        text ??= res.text();
        return text;
      },
      async discard() {
        if (text) return;
        text = Promise.resolve('');
        await res.body?.cancel().catch(() => {});
      },
    };
  };
}
