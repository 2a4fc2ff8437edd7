import type { RunningSandbox } from '@tenantlink/sandbox';
import { type Agent, fetch } from 'undici';

// biome-ignore lint/suspicious/noExplicitAny: control-API JSON, checked by the assertions that read it.
export type Json = any;

export type Control = (method: string, path: string, body?: unknown) => Promise<Json>;

/** Calls the sandbox's control API; any answer of 300 or more fails the test with the sandbox's message. */
export function sandboxControl(sandbox: Pick<RunningSandbox, 'control'>, dispatcher: Agent): Control {
  return async (method, path, body) => {
    const res = await fetch(`${sandbox.control}${path}`, {
      method,
      dispatcher,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}
