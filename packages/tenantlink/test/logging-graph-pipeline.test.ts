import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { composePipeline } from '../src/graph/pipeline.js';
import { type GraphLogger, logPolicy } from '../src/graph/policies/log-policy.js';
import { fetchTransport } from '../src/graph/transport.js';
import { createLogger, REDACTED, routeTemplate } from '../src/logging/index.js';
import { type GraphSandbox, type Json, startGraphSandbox } from './helpers/graph-sandbox.js';

/**
 * A GraphLogger that keeps the fields exactly as the log policy hands them over, as a logger with no sanitizer of its
 * own would write them: what these tests see is the policy's doing alone.
 */
function recordingGraphLogger() {
  const records: Json[] = [];
  const logger: GraphLogger = { debug: (fields, message) => records.push({ ...fields, msg: message }) };
  return { logger, records, text: () => JSON.stringify(records) };
}

function assertAbsent(output: string, values: string[]) {
  for (const value of values) assert.ok(!output.includes(value), `leaked ${JSON.stringify(value)} in:\n${output}`);
}

test('one allow-list: the server logger and the Graph log policy keep and redact the same headers and parameters', async () => {
  const secrets = [
    'unlisted-header-value-123',
    'cookie-value-456',
    'upload-token-789',
    'unlisted-query-value',
    'megan',
  ];
  const server = createServer((_request, response) => {
    response.writeHead(200, {
      'content-type': 'application/json',
      'request-id': 'r-0001',
      etag: 'W/"1"', // was only on the server's list
      consistencylevel: 'eventual', // was only on the pipeline's list
      'x-tenant-note': secrets[0],
      'set-cookie': `session=${secrets[1]}`,
      location: `http://127.0.0.1/v1.0/users/adele@contoso.com/drive?tempauth=${secrets[2]}`,
    });
    response.end('{"value":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const filter = encodeURIComponent("from/emailAddress/address eq 'megan@contoso.com'");
    const url = `http://127.0.0.1:${port}/v1.0/users/adele@contoso.com/messages?$top=5&$skip=10&$filter=${filter}&custom=${secrets[3]}`;

    // The Graph pipeline's log policy, in a pipeline over the real transport.
    const graph = recordingGraphLogger();
    const send = composePipeline([logPolicy(graph.logger)], fetchTransport());
    const response = await send({ method: 'GET', url, headers: {}, attempt: 0, routeTemplate: routeTemplate(url) });
    assert.equal(await response.text(), '{"value":[]}');

    // The logger the server (and everything else) logs through, given the same exchange.
    const lines: string[] = [];
    const serverLogger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    serverLogger.info({ res: { status: response.status, url, headers: response.headers } }, 'request');

    assertAbsent(graph.text(), [...secrets, 'adele']);
    assertAbsent(lines.join(''), [...secrets, 'adele']);
    const [logged] = graph.records;
    const serverRecord = JSON.parse(lines[0]!).res;
    assert.deepEqual(logged.headers, serverRecord.headers, 'the same headers kept, the same redacted');
    assert.equal(logged.headers['x-tenant-note'], REDACTED);
    assert.equal(logged.headers['set-cookie'], REDACTED);
    assert.equal(logged.headers['request-id'], 'r-0001');
    assert.equal(logged.headers.etag, 'W/"1"');
    assert.equal(logged.headers.consistencylevel, 'eventual');
    assert.equal(logged.headers.location, `http://127.0.0.1/v1.0/users/{id}/drive?tempauth=${REDACTED}`);

    const query = `$top=5&$skip=10&$filter=${REDACTED}&custom=${REDACTED}`;
    assert.equal(logged.url, `/users/{id}/messages?${query}`);
    assert.equal(serverRecord.url, `http://127.0.0.1:${port}/v1.0/users/{id}/messages?${query}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('the Graph pipeline against the sandbox', () => {
  let env: GraphSandbox;
  before(async () => {
    env = await startGraphSandbox({ users: 5 });
  });
  after(() => env.close());

  test('a request to /users/<UPN>/messages is logged with its route template, never the UPN', async () => {
    const user = await env.control('POST', `/tenants/${env.tenantId}/users`, {
      displayName: 'Adele Logging Test',
      mailboxEnabled: true,
    });
    const upn: string = user.userPrincipalName;
    assert.match(upn, /^adele\.logging\.test@/);
    const { getToken } = await env.app(['Mail.Read']);
    const graph = recordingGraphLogger();
    const client = env.client(getToken, { logger: graph.logger });

    const page = await client.get<{ value: unknown[] }>(`/users/${upn}/messages`, {
      select: ['id'],
      query: { $top: 1 },
    });
    assert.ok(Array.isArray(page.value));

    assertAbsent(graph.text(), [upn, encodeURIComponent(upn), user.id, 'adele']);
    const [logged] = graph.records;
    assert.equal(logged.msg, 'graph request');
    assert.equal(logged.status, 200);
    assert.equal(logged.url, '/users/{id}/messages?$top=1&$select=id');
    assert.match(logged.headers['request-id'], /^[0-9a-f-]{36}$/);
  });
});
