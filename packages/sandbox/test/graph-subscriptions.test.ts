import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Harness, type Json, startHarness, TEST_DATA_DIR } from '../src/testing/index.js';

/** A webhook receiver on loopback: echoes validation tokens (or misbehaves on purpose) and records notifications. */
class Receiver {
  readonly notifications: Json[] = [];
  readonly validations: string[] = [];
  mode: 'echo' | 'wrong-token' | 'error' = 'echo';
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer(
      { key: readFileSync(join(TEST_DATA_DIR, 'tls-key.pem')), cert: readFileSync(join(TEST_DATA_DIR, 'tls.pem')) },
      (req, res) => {
        const url = new URL(req.url ?? '/', 'https://localhost');
        const token = url.searchParams.get('validationToken');
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('end', () => {
          if (token !== null) {
            this.validations.push(token);
            if (this.mode === 'error') {
              res.writeHead(500).end();
              return;
            }
            res.writeHead(200, { 'content-type': 'text/plain' }).end(this.mode === 'wrong-token' ? 'nope' : token);
            return;
          }
          for (const n of (JSON.parse(body) as { value: Json[] }).value)
            this.notifications.push({ ...n, path: url.pathname });
          res.writeHead(202).end();
        });
      },
    );
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  url(path = '/notify'): string {
    return `https://localhost:${this.port}${path}`;
  }

  async waitFor(predicate: (n: Json) => boolean, timeoutMs = 5_000): Promise<Json> {
    const started = Date.now();
    for (;;) {
      const found = this.notifications.find(predicate);
      if (found) return found;
      if (Date.now() - started > timeoutMs)
        throw new Error(`no matching notification in ${timeoutMs} ms: ${JSON.stringify(this.notifications)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('change notifications', () => {
  let h: Harness;
  let token: string;
  const receiver = new Receiver();
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  before(async () => {
    h = await startHarness({ users: 20 });
    await receiver.start();
    token = (await h.appToken(['User.ReadWrite.All', 'Group.ReadWrite.All'])).token;
  });
  after(async () => {
    await receiver.close();
    await h.close();
  });

  const subscribe = (body: Record<string, unknown>, bearer = token) =>
    h.graph(bearer, '/subscriptions', {
      method: 'POST',
      body: {
        changeType: 'updated,deleted',
        notificationUrl: receiver.url(),
        resource: 'users',
        expirationDateTime: inAnHour(),
        clientState: 'secret-state',
        ...body,
      },
    });

  test('the validation handshake creates the subscription; changes through Graph and the control API are delivered', async () => {
    const before = receiver.validations.length;
    const created = await subscribe({});
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(receiver.validations.length, before + 1, 'the receiver was asked to echo a validation token');
    assert.equal(created.body.resource, 'users');
    assert.equal(created.body.clientState, 'secret-state');
    assert.equal(created.body.changeType, 'updated,deleted');

    const someone = (await h.graph(token, '/users?$top=2&$select=id')).body.value[1].id;
    await h.graph(token, `/users/${someone}`, { method: 'PATCH', body: { jobTitle: 'Notified' } });
    const viaGraph = await receiver.waitFor((n) => n.resourceData?.id === someone && n.changeType === 'updated');
    assert.equal(viaGraph.subscriptionId, created.body.id);
    assert.equal(viaGraph.clientState, 'secret-state');
    assert.equal(viaGraph.tenantId, h.tenantId);
    assert.equal(viaGraph.resource, `Users/${someone}`);
    assert.equal(viaGraph.resourceData['@odata.type'], '#microsoft.graph.user');

    const churn = await h.control('POST', `/tenants/${h.tenantId}/churn`, { usersDeleted: 1, seed: 2 });
    const deleted = await receiver.waitFor(
      (n) => n.resourceData?.id === churn.usersDeleted[0] && n.changeType === 'deleted',
    );
    assert.equal(deleted.subscriptionId, created.body.id);
  });

  test('a subscription to one group hears its membership changes only', async () => {
    const groups = (await h.graph(token, '/groups?$top=2&$select=id')).body.value;
    const sub = await subscribe({ resource: `groups/${groups[0].id}`, changeType: 'updated', clientState: 'g' });
    assert.equal(sub.status, 201);
    const user = (await h.graph(token, '/users?$top=1&$select=id')).body.value[0].id;
    await h.graph(token, `/groups/${groups[1].id}`, { method: 'PATCH', body: { description: 'not watched' } });
    await h
      .graph(token, `/groups/${groups[0].id}/members/$ref`, {
        method: 'POST',
        body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user}` },
      })
      .then((r) => r.status === 204 || r.status === 400);
    await h.graph(token, `/groups/${groups[0].id}`, { method: 'PATCH', body: { description: 'watched' } });
    const hit = await receiver.waitFor((n) => n.subscriptionId === sub.body.id);
    assert.equal(hit.resourceData.id, groups[0].id);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(
      !receiver.notifications.some((n) => n.subscriptionId === sub.body.id && n.resourceData.id === groups[1].id),
    );
  });

  test('handshake failures, loopback-only and HTTPS-only URLs, lifetimes and change types are refused with 400', async () => {
    receiver.mode = 'wrong-token';
    try {
      const wrong = await subscribe({});
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error.code, 'ValidationError');
      assert.equal(
        wrong.body.error.message,
        'Subscription validation request failed. Response must exactly match validationToken query parameter.',
      );
      receiver.mode = 'error';
      const failing = await subscribe({});
      assert.match(failing.body.error.message, /must respond with 200 OK to validation request/);
    } finally {
      receiver.mode = 'echo';
    }
    const remote = await subscribe({ notificationUrl: 'https://webhook.example.com/notify' });
    assert.equal(remote.status, 400);
    const plain = await subscribe({ notificationUrl: `http://localhost:${receiver.port}/notify` });
    assert.equal(plain.status, 400);
    const tooLong = await subscribe({ expirationDateTime: new Date(Date.now() + 60 * 86_400_000).toISOString() });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.message, 'Subscription expiration can only be 41760 minutes in the future.');
    const created = await subscribe({ changeType: 'created' });
    assert.equal(created.status, 400, 'users do not support created');
    const longState = await subscribe({ clientState: 'x'.repeat(129) });
    assert.equal(longState.status, 400);
    const unknown = await subscribe({ resource: 'planner/tasks' });
    assert.equal(unknown.status, 400);
  });

  test('a subscription needs the watched resource’s read permission', async () => {
    const { token: mailOnly } = await h.appToken(['Mail.Read']);
    const denied = await subscribe({}, mailOnly);
    assert.equal(denied.status, 403);
  });

  test('get, list, renew, reauthorize, lifecycle notifications and delete', async () => {
    const sub = await subscribe({ lifecycleNotificationUrl: receiver.url('/lifecycle'), clientState: 'life' });
    assert.equal(sub.status, 201);
    const id = sub.body.id;
    assert.equal((await h.graph(token, `/subscriptions/${id}`)).body.id, id);
    assert.ok((await h.graph(token, '/subscriptions')).body.value.some((s: Json) => s.id === id));
    const later = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const renewed = await h.graph(token, `/subscriptions/${id}`, {
      method: 'PATCH',
      body: { expirationDateTime: later },
    });
    assert.equal(renewed.status, 200);
    assert.equal(renewed.body.expirationDateTime, later);
    assert.equal((await h.graph(token, `/subscriptions/${id}/reauthorize`, { method: 'POST' })).status, 204);
    await h.control('POST', `/subscriptions/${id}/lifecycle`, { event: 'reauthorizationRequired' }, 202);
    const life = await receiver.waitFor((n) => n.path === '/lifecycle' && n.subscriptionId === id);
    assert.equal(life.lifecycleEvent, 'reauthorizationRequired');
    assert.equal(life.clientState, 'life');
    assert.equal((await h.graph(token, `/subscriptions/${id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await h.graph(token, `/subscriptions/${id}`)).status, 404);
    const { token: otherApp } = await h.appToken(['User.Read.All']);
    const mine = await subscribe({});
    assert.equal(
      (await h.graph(otherApp, `/subscriptions/${mine.body.id}`)).status,
      404,
      'apps see only their own subscriptions',
    );
  });

  test('messages and presence: notifications after inbound mail, a sent message and a presence change', async () => {
    const { token: mailReader } = await h.appToken(['Mail.ReadWrite', 'Mail.Send', 'Presence.Read.All']);
    const people = (await h.control('GET', `/tenants/${h.tenantId}`)).users.filter(
      (u: Json) => u.mailboxEnabled && u.accountEnabled,
    );
    const [alice, bob] = people;
    const mail = await subscribe(
      {
        resource: `users/${alice.userPrincipalName}/messages`,
        changeType: 'created,updated,deleted',
        clientState: 'mail',
      },
      mailReader,
    );
    assert.equal(mail.status, 201, JSON.stringify(mail.body));
    const inbound = await h.control(
      'POST',
      `/tenants/${h.tenantId}/users/${alice.id}/inbox`,
      {
        from: { address: 'customer@example.net', name: 'A Customer' },
        subject: 'Routing test',
      },
      201,
    );
    const created = await receiver.waitFor(
      (n) => n.subscriptionId === mail.body.id && n.resourceData?.id === inbound.id,
    );
    assert.equal(created.changeType, 'created');
    assert.equal(created.resource, `Users/${alice.id}/Messages/${inbound.id}`);
    assert.equal(created.resourceData['@odata.type'], '#microsoft.graph.message');

    const sent = await h.graph(mailReader, `/users/${bob.id}/sendMail`, {
      method: 'POST',
      body: {
        message: {
          subject: 'Hello Alice',
          body: { contentType: 'Text', content: 'hi' },
          toRecipients: [{ emailAddress: { address: alice.mail } }],
        },
      },
    });
    assert.equal(sent.status, 202);
    await receiver.waitFor(
      (n) => n.subscriptionId === mail.body.id && n.resourceData?.id !== inbound.id && n.changeType === 'created',
    );

    const presence = await subscribe(
      {
        resource: `communications/presences/${bob.id}`,
        changeType: 'updated',
        expirationDateTime: new Date(Date.now() + 30 * 60_000).toISOString(),
      },
      mailReader,
    );
    assert.equal(presence.status, 201, JSON.stringify(presence.body));
    await h.control('PATCH', `/tenants/${h.tenantId}/users/${bob.id}/presence`, {
      availability: 'DoNotDisturb',
      activity: 'Presenting',
    });
    const changed = await receiver.waitFor((n) => n.subscriptionId === presence.body.id);
    assert.equal(changed.resourceData.id, bob.id);
    const sixtyOneMinutes = new Date(Date.now() + 61 * 60_000).toISOString();
    const tooLong = await subscribe(
      { resource: `communications/presences/${bob.id}`, changeType: 'updated', expirationDateTime: sixtyOneMinutes },
      mailReader,
    );
    assert.equal(tooLong.status, 400, 'presence subscriptions last at most 60 minutes');
  });

  test('a subscription expires on the sandbox clock', async () => {
    const sub = await subscribe({ expirationDateTime: new Date(Date.now() + 10 * 60_000).toISOString() });
    await h.control('POST', '/clock', { advanceSeconds: 11 * 60 });
    try {
      const { token: fresh } = await h.appToken(['User.Read.All']);
      assert.ok(!(await h.control('GET', '/subscriptions')).some((s: Json) => s.id === sub.body.id));
      assert.equal((await h.graph(fresh, `/subscriptions/${sub.body.id}`)).status, 404);
    } finally {
      await h.control('DELETE', '/clock');
    }
  });
});
