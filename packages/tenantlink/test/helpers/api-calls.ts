import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger, type LogLevel } from '../../src/logging/index.js';
import type { Json } from './graph-sandbox.js';

/** An API answer as tests read it: status, parsed body (null when empty) and the raw text. */
export interface ApiAnswer {
  status: number;
  body: Json;
  text: string;
}

/** Calls the API in-process with an API key. */
export function apiCaller(app: FastifyInstance, key: () => string) {
  return async (method: string, url: string, payload?: unknown): Promise<ApiAnswer> => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${key()}` },
      ...(payload === undefined ? {} : { payload: payload as Json }),
    });
    return { status: res.statusCode, body: (res.body ? res.json() : null) as Json, text: res.body };
  };
}

/** A logger whose every finished line (scrubbed, as it would be written) lands in `lines`. */
export function capturingLogger(level: LogLevel = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  return { logger, lines };
}
