import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fetch } from 'undici';
import { refusedRange } from '../src/outbound/address-ranges.js';
import { OUTBOUND_TARGET_REFUSED, OutboundPolicy } from '../src/outbound/outbound-policy.js';

/**
 * A "private service" on another loopback address: it counts every TCP connection made to it. Tests that expect a
 * refusal assert that it counted none. Nothing here connects anywhere but 127.0.0.0/8.
 */
interface PrivateService {
  host: string;
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function privateService(host: string): Promise<PrivateService> {
  const service: PrivateService = { host, port: 0, connections: 0, close: async () => undefined };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    service.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  service.port = (server.address() as { port: number }).port;
  service.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return service;
}

/** A resolver that answers from a table and never asks DNS; unknown names fail like NXDOMAIN. */
function stubResolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}

/** The cause code undici reports when the connector refused. */
async function failureCode(request: Promise<unknown>): Promise<string | undefined> {
  try {
    await request;
    return undefined;
  } catch (err) {
    return (err as { cause?: { code?: string } }).cause?.code ?? 'no cause';
  }
}

describe('outbound policy: address ranges', () => {
  test('every special range is refused, with IPv6 forms that carry an IPv4 address', () => {
    const refused: Record<string, string> = {
      '127.0.0.1': 'loopback',
      '127.0.0.2': 'loopback',
      '::1': 'loopback',
      '10.0.0.1': 'private',
      '172.16.5.4': 'private',
      '192.168.1.1': 'private',
      '169.254.169.254': 'linkLocal',
      'fe80::1': 'linkLocal',
      'fd00::1': 'uniqueLocal',
      '100.64.0.1': 'carrierGradeNat',
      '224.0.0.1': 'multicast',
      'ff02::1': 'multicast',
      '0.0.0.0': 'unspecified',
      '::': 'unspecified',
      '255.255.255.255': 'broadcast',
      '192.0.2.10': 'reserved',
      // IPv4-mapped forms are judged as the IPv4 address they carry.
      '::ffff:169.254.169.254': 'linkLocal',
      '::ffff:a9fe:a9fe': 'linkLocal',
      '::ffff:127.0.0.1': 'loopback',
      '::ffff:10.0.0.1': 'private',
      '::7f00:1': 'IPv4-compatible',
      '64:ff9b::a9fe:a9fe': 'rfc6052',
      '2002:a9fe:a9fe::1': '6to4',
      '2001:0:4136:e378::1': 'teredo',
    };
    for (const [address, range] of Object.entries(refused)) assert.equal(refusedRange(address), range, address);
    for (const address of ['20.190.128.1', '40.126.0.1', '2603:1030:20e::1', '8.8.8.8'])
      assert.equal(refusedRange(address), null, address);
    assert.equal(refusedRange('not-an-ip'), 'not an IP address');
  });
});

describe('outbound policy: URLs when saved', () => {
  const strict = new OutboundPolicy();
  test('literal special hosts and loopback names are refused, however they are spelled', () => {
    for (const url of [
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/hook',
      'https://[fd00::1]/hook',
      'https://0x7f000001/hook',
      'https://2130706433/hook',
      'https://0177.0.0.1/hook',
      'https://[::ffff:169.254.169.254]/hook',
      'https://[::ffff:7f00:1]/hook',
      'https://0/hook',
      'http://localhost:8080/hook',
      'https://LOCALHOST./hook',
      'https://tenantlink.localhost/hook',
      'https://100.100.100.200/hook',
    ])
      assert.throws(() => strict.checkUrl(new URL(url), 'The webhook URL'), { code: 'INVALID_INPUT' }, url);
    for (const url of ['https://hooks.vendor.example/tenantlink', 'https://20.190.128.1/hook'])
      strict.checkUrl(new URL(url), 'The webhook URL');
    new OutboundPolicy({ allowPrivateTargets: true }).checkUrl(new URL('http://127.0.0.1:9/h'), 'The webhook URL');
  });

  test('the message names the range and the operator opt-in', () => {
    assert.throws(
      () => strict.checkUrl(new URL('https://169.254.169.254/'), 'The webhook URL'),
      (err: Error & { diagnosis?: { fix: string } }) =>
        /link-local address \(169\.254\.169\.254\)/.test(err.message) &&
        /--allow-private-targets/.test(err.diagnosis?.fix ?? ''),
    );
  });
});

describe('outbound policy: at connect time', () => {
  let two: PrivateService;
  let three: PrivateService;
  before(async () => {
    two = await privateService('127.0.0.2');
    three = await privateService('127.0.0.3');
  });
  after(async () => {
    await two.close();
    await three.close();
  });

  test('a name that resolves to a private address is refused before connecting (DNS rebinding)', async () => {
    const dns = stubResolver({
      'rebind.attacker.test': ['127.0.0.2'],
      'metadata.attacker.test': ['169.254.169.254'],
      'mixed.attacker.test': ['20.190.128.1', '10.0.0.1'],
      'v6.attacker.test': ['fd00::1'],
    });
    const policy = new OutboundPolicy({ resolve: dns.resolve });
    try {
      const before = two.connections;
      for (const host of ['rebind.attacker.test', 'metadata.attacker.test', 'mixed.attacker.test', 'v6.attacker.test'])
        assert.equal(
          await failureCode(fetch(`http://${host}:${two.port}/hook`, { dispatcher: policy.dispatcher() })),
          OUTBOUND_TARGET_REFUSED,
          host,
        );
      assert.deepEqual(dns.asked.sort(), [
        'metadata.attacker.test',
        'mixed.attacker.test',
        'rebind.attacker.test',
        'v6.attacker.test',
      ]);
      assert.equal(two.connections, before, 'the private service received nothing');
    } finally {
      await policy.close();
    }
  });

  test('a literal private address is refused without a lookup, and nothing reaches it', async () => {
    const dns = stubResolver({});
    const policy = new OutboundPolicy({ resolve: dns.resolve });
    try {
      for (const url of [`http://127.0.0.3:${three.port}/h`, `http://[::ffff:127.0.0.3]:${three.port}/h`])
        assert.equal(await failureCode(fetch(url, { dispatcher: policy.dispatcher() })), OUTBOUND_TARGET_REFUSED, url);
      assert.deepEqual(dns.asked, []);
      assert.equal(three.connections, 0);
    } finally {
      await policy.close();
    }
  });

  test('a failed lookup is reported as such; with the operator opt-in, private services are reached', async () => {
    const unknown = new OutboundPolicy({ resolve: stubResolver({}).resolve });
    assert.equal(
      await failureCode(fetch('http://nowhere.invalid/h', { dispatcher: unknown.dispatcher() })),
      'ENOTFOUND',
    );
    await unknown.close();

    const allowing = new OutboundPolicy({ allowPrivateTargets: true });
    try {
      const res = await fetch(`http://127.0.0.2:${two.port}/h`, { dispatcher: allowing.dispatcher() });
      assert.equal(res.status, 204);
      assert.ok(two.connections > 0);
    } finally {
      await allowing.close();
    }
  });
});
