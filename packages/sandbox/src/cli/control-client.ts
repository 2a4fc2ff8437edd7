import { Agent, fetch } from 'undici';
import type { SandboxConnection } from './state-file.js';

/** Calls a running sandbox's /_sandbox control API over HTTPS, trusting the sandbox's CA. */
export class ControlClient {
  private readonly dispatcher: Agent;

  constructor(private readonly sandbox: SandboxConnection) {
    this.dispatcher = new Agent({ connect: { ca: sandbox.caCertPem } });
  }

  /** The answer's JSON; a refusal becomes an Error with the control API's own message. */
  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${this.sandbox.state.control}${path}`;
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await fetch(url, {
        method,
        dispatcher: this.dispatcher,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `Cannot reach the sandbox's control API at ${this.sandbox.state.control} (${cause?.code ?? cause?.message ?? (err as Error).message}). ` +
          'Is `tenantlink-sandbox start` still running? A state file is removed when the sandbox stops; one left behind ' +
          'by a killed sandbox names a port nothing listens on.',
      );
    }
    const text = await res.text();
    if (!res.ok) {
      const error = (safeJson(text) as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new Error(
        `The sandbox refused ${method} ${path} (${res.status} ${error?.code ?? res.statusText}): ${error?.message ?? text}`,
      );
    }
    return safeJson(text) as T;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
