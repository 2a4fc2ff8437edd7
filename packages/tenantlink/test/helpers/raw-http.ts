import { connect } from 'node:net';

/** An answer read off the wire: status, headers (lower-case names) and body. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one request exactly as written (a percent-encoded or absolute-form request line, any Host) to a server on
 * loopback and reads the whole answer. For what an HTTP client library would normalise away.
 */
export function rawRequest(
  port: number,
  requestLine: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawAnswer> {
  const lines = [
    requestLine,
    ...Object.entries({ host: `127.0.0.1:${port}`, ...headers }).map(([k, v]) => `${k}: ${v}`),
  ];
  if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
  lines.push('connection: close', '', body ?? '');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
      const parsed: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine?.split(' ')[1]), headers: parsed, body: text.slice(split + 4) });
    });
    socket.write(lines.join('\r\n'));
  });
}
