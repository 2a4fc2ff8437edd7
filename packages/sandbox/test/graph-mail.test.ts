import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PageIterator } from '@microsoft/microsoft-graph-client';
import { type Harness, type Json, startHarness } from '../src/testing/index.js';
import { graphSdkClient } from './helpers/graph-sdk.js';

interface TestUser {
  id: string;
  userPrincipalName: string;
  mail: string;
  password: string;
}

const ACCESS_DENIED = 'Access is denied. Check credentials and try again.';
const SEND_AS_DENIED =
  'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.';

describe('Outlook mail', () => {
  let h: Harness;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let reader: string;
  let writer: string;
  let basic: string;
  let sender: string;

  const sdk = (token: string) => graphSdkClient(h, async () => token);

  /** A delegated token for a user, from a public client with these delegated permissions admin-consented. */
  async function delegatedToken(user: TestUser, scopes: string[]): Promise<string> {
    const app = await h.createApp({
      displayName: `Mail delegated ${scopes.join(' ')}`,
      allowPublicClient: true,
      requiredPermissions: { delegated: [...scopes, 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
    const result = await h.publicClient(app.appId).acquireTokenByUsernamePassword({
      scopes,
      username: user.userPrincipalName,
      password: user.password,
    });
    return result!.accessToken;
  }

  async function inboxIds(token: string, user: TestUser): Promise<string[]> {
    const res = await h.graph(token, `/users/${user.id}/mailFolders/inbox/messages?$top=1000&$select=id`);
    assert.equal(res.status, 200);
    return res.body.value.map((m: Json) => m.id);
  }

  function deliver(user: TestUser, subject: string, extra: Record<string, unknown> = {}) {
    return h.control(
      'POST',
      `/tenants/${h.tenantId}/users/${user.id}/inbox`,
      { from: { name: 'Partner', address: 'partner@fabrikam.com' }, subject, body: 'Hello from outside', ...extra },
      201,
    );
  }

  before(async () => {
    h = await startHarness({ users: 12 });
    const tenant = await h.control('GET', `/tenants/${h.tenantId}`);
    const people = tenant.users.filter(
      (u: Json) => u.accountEnabled && u.mailboxEnabled && !u.isAdmin && !u.mfaRequired && !u.conditionalAccessBlocked,
    );
    [alice, bob, carol] = people;
    assert.ok(carol, 'the tenant has three ordinary users with mailboxes');
    reader = (await h.appToken(['Mail.Read'])).token;
    writer = (await h.appToken(['Mail.ReadWrite'])).token;
    basic = (await h.appToken(['Mail.ReadBasic.All'])).token;
    sender = (await h.appToken(['Mail.Send', 'Mail.Read'])).token;
  });
  after(() => h.close());

  test('list messages: seeded mailbox, newest first in pages of 10, PageIterator walks every page', async () => {
    const client = sdk(reader);
    const first = await client.api(`/users/${alice.userPrincipalName}/messages`).get();
    assert.equal(first.value.length, 10);
    assert.match(first['@odata.nextLink'], /\/v1\.0\/users\/[^/]+\/messages\?.*\$skip=10/);
    assert.match(first['@odata.context'], new RegExp(`users\\('${alice.id}'\\)/messages$`));
    const received = first.value.map((m: Json) => Date.parse(m.receivedDateTime));
    assert.deepEqual(
      received,
      [...received].sort((a, b) => b - a),
      'newest first',
    );
    const message = first.value[0];
    for (const key of ['subject', 'bodyPreview', 'body', 'from', 'sender', 'toRecipients', 'ccRecipients', 'isRead']) {
      assert.ok(key in message, `${key} is returned`);
    }
    assert.match(message['@odata.etag'], /^W\/"/);
    assert.match(message.internetMessageId, /^<.+@.+>$/);
    assert.match(message.webLink, /^https:\/\/outlook\.office365\.com\/owa\/\?ItemID=/);
    assert.equal(message.body.contentType, 'html');

    const ids: string[] = [];
    await new PageIterator(client, first, (m: Json) => {
      ids.push(m.id);
      return true;
    }).iterate();
    assert.equal(ids.length, 20, 'about 20 seeded messages');
    assert.equal(new Set(ids).size, 20);
    const oldest = Date.parse((await client.api(`/users/${alice.id}/messages/${ids.at(-1)}`).get()).receivedDateTime);
    assert.ok(Date.now() - oldest <= 60 * 86_400_000, 'within the last 60 days');

    const again = await h.graph(reader, `/users/${alice.id}/messages?$top=1000&$select=id`);
    assert.deepEqual(
      again.body.value.map((m: Json) => m.id).sort(),
      [...ids].sort(),
      'seeding is stable and lazy (same mailbox on every read)',
    );
  });

  test('list messages: $select, $top, $filter, $orderby and their errors', async () => {
    const base = `/users/${alice.id}/messages`;
    const selected = await h.graph(reader, `${base}?$top=3&$select=subject,isRead`);
    assert.equal(selected.body.value.length, 3);
    assert.deepEqual(Object.keys(selected.body.value[0]), ['@odata.etag', 'id', 'subject', 'isRead']);
    assert.match(selected.body['@odata.context'], /messages\(subject,isRead\)$/);

    const all = (await h.graph(reader, `${base}?$top=100`)).body.value as Json[];
    const unread = await h.graph(reader, `${base}?$filter=isRead eq false&$top=100`);
    assert.equal(unread.body.value.length, all.filter((m) => !m.isRead).length);
    assert.ok(unread.body.value.every((m: Json) => m.isRead === false));

    const pivot = all[5].receivedDateTime;
    const since = await h.graph(reader, `${base}?$filter=receivedDateTime ge ${pivot}&$orderby=receivedDateTime asc`);
    assert.equal(since.body.value.length, 6);
    assert.equal(since.body.value.at(-1).receivedDateTime, all[0].receivedDateTime, 'ascending order');

    const domain = `@${alice.mail.split('@')[1]}`;
    const colleague = all.find((m) => m.from?.emailAddress.address.endsWith(domain))?.from.emailAddress.address;
    const outsider = all.find((m) => m.from && !m.from.emailAddress.address.endsWith(domain))?.from.emailAddress
      .address;
    for (const address of [colleague, outsider].filter(Boolean)) {
      const from = await h.graph(reader, `${base}?$filter=from/emailAddress/address eq '${address}'`);
      assert.ok(from.body.value.length >= 1);
      assert.ok(from.body.value.every((m: Json) => m.from.emailAddress.address === address));
    }
    const withFiles = await h.graph(reader, `${base}?$filter=hasAttachments eq true&$top=100`);
    assert.equal(withFiles.body.value.length, all.filter((m) => m.hasAttachments).length);
    const high = await h.graph(reader, `${base}?$filter=importance eq 'high'&$top=100`);
    assert.equal(high.body.value.length, all.filter((m) => m.importance === 'high').length);

    const inefficient = await h.graph(reader, `${base}?$filter=isRead eq false&$orderby=receivedDateTime desc`);
    assert.equal(inefficient.status, 400);
    assert.equal(inefficient.body.error.code, 'InefficientFilter');
    assert.equal(inefficient.body.error.message, 'The restriction or sort order is too complex for this operation.');
    const badSelect = await h.graph(reader, `${base}?$select=size`);
    assert.equal(badSelect.status, 400);
    assert.equal(badSelect.body.error.code, 'RequestBroker--ParseUri');
    assert.equal(
      badSelect.body.error.message,
      "Could not find a property named 'size' on type 'Microsoft.OutlookServices.Message'.",
    );
    const badFilter = await h.graph(reader, `${base}?$filter=body/content eq 'x'`);
    assert.equal(badFilter.status, 400);
    assert.equal(badFilter.body.error.code, 'ErrorInvalidUrlQueryFilter');
    const big = await h.graph(reader, `${base}?$top=5000`);
    assert.equal(big.status, 200, '$top above 1,000 is cut to 1,000');
  });

  test('create a draft, get, update, move, copy and delete a message', async () => {
    const client = sdk(writer);
    const drafts = await client.api(`/users/${bob.id}/mailFolders/drafts`).get();
    const draft = await client.api(`/users/${bob.id}/messages`).post({
      subject: 'Quarterly numbers',
      body: { contentType: 'Text', content: 'See attached.\nThanks' },
      toRecipients: [{ emailAddress: { address: carol.mail } }],
      importance: 'High',
    });
    assert.equal(draft.isDraft, true);
    assert.equal(draft.parentFolderId, drafts.id);
    assert.equal(draft.importance, 'high');
    assert.equal(draft.body.contentType, 'html');
    assert.match(draft.body.content, /See attached\.<br>Thanks/);
    assert.equal(draft.bodyPreview, 'See attached. Thanks');

    const got = await client.api(`/users/${bob.userPrincipalName}/messages/${draft.id}`).select('subject').get();
    assert.deepEqual(Object.keys(got), ['@odata.context', '@odata.etag', 'id', 'subject']);

    const updated = await client
      .api(`/users/${bob.id}/messages/${draft.id}`)
      .patch({ subject: 'Q3 numbers', isRead: false });
    assert.equal(updated.subject, 'Q3 numbers');
    assert.equal(updated.isRead, false);
    assert.notEqual(updated.changeKey, draft.changeKey);

    const inboxMessage = (await client.api(`/users/${bob.id}/mailFolders/inbox/messages`).top(1).get()).value[0];
    const sentEdit = await h.graph(writer, `/users/${bob.id}/messages/${inboxMessage.id}`, {
      method: 'PATCH',
      body: { subject: 'rewritten' },
    });
    assert.equal(sentEdit.status, 400);
    assert.equal(sentEdit.body.error.code, 'ErrorInvalidPropertyUpdateSentMessage');
    const flagged = await h.graph(writer, `/users/${bob.id}/messages/${inboxMessage.id}`, {
      method: 'PATCH',
      body: { isRead: true, categories: ['Blue category'], flag: { flagStatus: 'flagged' } },
    });
    assert.equal(flagged.status, 200);
    assert.deepEqual(flagged.body.categories, ['Blue category']);
    const unknown = await h.graph(writer, `/users/${bob.id}/messages/${inboxMessage.id}`, {
      method: 'PATCH',
      body: { colour: 'red' },
    });
    assert.equal(unknown.status, 400);
    assert.match(
      unknown.body.error.message,
      /The property 'colour' does not exist on type 'microsoft\.graph\.message'/,
    );

    const archive = await client.api(`/users/${bob.id}/mailFolders/archive`).get();
    const moved = await h.graph(writer, `/users/${bob.id}/messages/${inboxMessage.id}/move`, {
      method: 'POST',
      body: { destinationId: 'archive' },
    });
    assert.equal(moved.status, 201);
    assert.equal(moved.body.parentFolderId, archive.id);
    assert.notEqual(moved.body.id, inboxMessage.id, 'a moved message gets a new ID');
    const gone = await h.graph(writer, `/users/${bob.id}/messages/${inboxMessage.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'ErrorItemNotFound');
    assert.equal(gone.body.error.message, 'The specified object was not found in the store.');

    const copy = await client.api(`/users/${bob.id}/messages/${moved.body.id}/copy`).post({ destinationId: drafts.id });
    assert.equal(copy.parentFolderId, drafts.id);
    assert.equal(copy.subject, moved.body.subject);

    const deleted = await h.graph(writer, `/users/${bob.id}/messages/${copy.id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal((await h.graph(writer, `/users/${bob.id}/messages/${copy.id}`)).status, 404);
    const all = await h.graph(writer, `/users/${bob.id}/messages?$top=1000&$filter=subject eq '${copy.subject}'`);
    assert.deepEqual(
      all.body.value.map((m: Json) => m.id),
      [moved.body.id],
      'DELETE is a soft delete out of sight, not a move to Deleted Items',
    );

    const malformed = await h.graph(writer, `/users/${bob.id}/messages/not-an-id`);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'ErrorInvalidIdMalformed');
    const noDestination = await h.graph(writer, `/users/${bob.id}/messages/${moved.body.id}/move`, {
      method: 'POST',
      body: {},
    });
    assert.equal(noDestination.status, 400);
  });

  test('attachments: add, list, get, $value, and the 3 MB limit of POST …/attachments', async () => {
    const client = sdk(writer);
    const draft = await client.api(`/users/${carol.id}/messages`).post({ subject: 'With a file' });
    const content = Buffer.from('hello attachment').toString('base64');
    const added = await client.api(`/users/${carol.id}/messages/${draft.id}/attachments`).post({
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: 'hello.txt',
      contentType: 'text/plain',
      contentBytes: content,
    });
    assert.equal(added['@odata.type'], '#microsoft.graph.fileAttachment');
    assert.equal(added.size, 16);
    const list = await client.api(`/users/${carol.id}/messages/${draft.id}/attachments`).get();
    assert.equal(list.value.length, 1);
    assert.equal(list.value[0].contentBytes, content);
    const one = await client.api(`/users/${carol.id}/messages/${draft.id}/attachments/${added.id}`).get();
    assert.equal(one.name, 'hello.txt');
    const raw = await h.graph(writer, `/users/${carol.id}/messages/${draft.id}/attachments/${added.id}/$value`);
    assert.equal(raw.status, 200);
    assert.equal(raw.body, 'hello attachment');
    assert.equal((await client.api(`/users/${carol.id}/messages/${draft.id}`).get()).hasAttachments, true);

    const tooBig = await h.graph(writer, `/users/${carol.id}/messages/${draft.id}/attachments`, {
      method: 'POST',
      body: {
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: 'big.bin',
        contentBytes: Buffer.alloc(3 * 1024 * 1024 + 10).toString('base64'),
      },
    });
    assert.equal(tooBig.status, 400);
    assert.equal(tooBig.body.error.code, 'ErrorMessageSizeExceeded');

    const basicRead = await h.graph(basic, `/users/${carol.id}/messages/${draft.id}/attachments`);
    assert.equal(basicRead.status, 403, 'Mail.ReadBasic.All does not reach attachments');
    assert.equal(basicRead.body.error.code, 'ErrorAccessDenied');
    assert.equal(basicRead.body.error.message, ACCESS_DENIED);
  });

  test('mail folders: the default folders, by ID or well-known name, with counts and messages', async () => {
    const client = sdk(reader);
    const folders = await client.api(`/users/${alice.id}/mailFolders`).get();
    assert.deepEqual(
      folders.value.map((f: Json) => f.displayName),
      ['Archive', 'Deleted Items', 'Drafts', 'Inbox', 'Junk Email', 'Outbox', 'Sent Items'],
    );
    const inbox = folders.value.find((f: Json) => f.displayName === 'Inbox');
    for (const key of ['id', 'parentFolderId', 'childFolderCount', 'unreadItemCount', 'totalItemCount']) {
      assert.ok(key in inbox, key);
    }
    const byName = await client.api(`/users/${alice.id}/mailFolders/Inbox`).get();
    assert.equal(byName.id, inbox.id);
    const byId = await client.api(`/users/${alice.id}/mailFolders/${inbox.id}`).get();
    assert.equal(byId.displayName, 'Inbox');
    const messages = await client.api(`/users/${alice.id}/mailFolders/inbox/messages`).top(100).get();
    assert.equal(messages.value.length, inbox.totalItemCount);
    assert.equal(messages.value.filter((m: Json) => !m.isRead).length, inbox.unreadItemCount);
    assert.ok(messages.value.every((m: Json) => m.parentFolderId === inbox.id));
    const sent = await client.api(`/users/${alice.id}/mailFolders/sentitems/messages`).get();
    assert.ok(sent.value.every((m: Json) => m.from.emailAddress.address === alice.mail));

    const bogus = await h.graph(reader, `/users/${alice.id}/mailFolders/notafolder`);
    assert.equal(bogus.status, 400);
    assert.equal(bogus.body.error.code, 'ErrorInvalidIdMalformed');
    const missing = await h.graph(reader, `/users/${alice.id}/mailFolders/AAMkAGVmMDEzMTM4AAA=`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'ErrorItemNotFound');
  });

  test('folder delta: a full first round, then exactly the new, updated, moved and deleted messages', async () => {
    const first = `/users/${bob.id}/mailFolders/inbox/messages/delta?$select=subject,isRead`;
    const prefer = { Prefer: 'odata.maxpagesize=4' };
    const seen = new Map<string, Json>();
    let url = first;
    let deltaLink: string | undefined;
    let pages = 0;
    while (!deltaLink) {
      const res = await h.graph(reader, url, { headers: prefer });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.value.length <= 4);
      assert.equal(res.headers.get('preference-applied'), 'odata.maxpagesize=4');
      for (const m of res.body.value) seen.set(m.id, m);
      url = res.body['@odata.nextLink'];
      deltaLink = res.body['@odata.deltaLink'];
      pages++;
      if (url) assert.match(url, /\/mailFolders\/inbox\/messages\/delta\?\$skiptoken=/);
    }
    assert.ok(pages > 1);
    const inbox = await inboxIds(reader, bob);
    assert.deepEqual([...seen.keys()].sort(), [...inbox].sort(), 'the first round lists the folder');
    assert.deepEqual(Object.keys(seen.get(inbox[0]!)!).sort(), [
      '@odata.etag',
      '@odata.type',
      'id',
      'isRead',
      'subject',
    ]);

    const quiet = await h.graph(reader, deltaLink);
    assert.deepEqual(quiet.body.value, [], 'no changes, no entries');

    const arrived = await deliver(bob, 'Delta arrival');
    const [toMove, toDelete, toRead] = inbox.filter((id) => id !== arrived.id);
    await h.graph(writer, `/users/${bob.id}/messages/${toMove}/move`, {
      method: 'POST',
      body: { destinationId: 'junkemail' },
    });
    await h.graph(writer, `/users/${bob.id}/messages/${toDelete}`, { method: 'DELETE' });
    await h.graph(writer, `/users/${bob.id}/messages/${toRead}`, { method: 'PATCH', body: { isRead: true } });

    const round = await h.graph(reader, quiet.body['@odata.deltaLink']);
    assert.equal(round.status, 200);
    const byId = new Map(round.body.value.map((m: Json) => [m.id, m]));
    assert.equal(byId.size, 4, JSON.stringify(round.body.value));
    assert.equal((byId.get(arrived.id) as Json).subject, 'Delta arrival');
    assert.equal((byId.get(toRead!) as Json).isRead, true);
    assert.deepEqual((byId.get(toMove!) as Json)['@removed'], { reason: 'deleted' });
    assert.deepEqual((byId.get(toDelete!) as Json)['@removed'], { reason: 'deleted' });

    const createdOnly = await h.graph(
      reader,
      `/users/${bob.id}/mailFolders/junkemail/messages/delta?changeType=created`,
    );
    assert.ok(createdOnly.body.value.some((m: Json) => m.subject !== undefined));

    const token = new URL(round.body['@odata.deltaLink']).searchParams.get('$deltatoken')!;
    const tampered = await h.graph(reader, `/users/${bob.id}/mailFolders/inbox/messages/delta?$deltatoken=${token}x`);
    assert.equal(tampered.status, 400);
    const otherFolder = await h.graph(
      reader,
      `/users/${bob.id}/mailFolders/archive/messages/delta?$deltatoken=${token}`,
    );
    assert.equal(otherFolder.status, 400, 'a token is bound to its folder');

    await h.control('POST', `/tenants/${h.tenantId}/users/${bob.id}/mailbox/expireSyncStates`);
    const stale = await h.graph(reader, round.body['@odata.deltaLink']);
    assert.equal(stale.status, 410);
    assert.equal(stale.body.error.code, 'SyncStateNotFound');
    assert.match(stale.body.error.message, /^The sync state generation is not found; generation=\d+;/);
    const restart = await h.graph(reader, `/users/${bob.id}/mailFolders/inbox/messages/delta?$top=100`);
    assert.equal(restart.status, 200, 'a new first round works');
    assert.ok(restart.body['@odata.deltaLink']);
  });

  test('sendMail: 202, a copy in Sent Items, delivery to a colleague’s Inbox', async () => {
    const subject = `Lunch ${Date.now()}`;
    const res = await h.graph(sender, `/users/${alice.id}/sendMail`, {
      method: 'POST',
      body: {
        message: {
          subject,
          body: { contentType: 'Text', content: 'The new cafeteria is open.' },
          toRecipients: [{ emailAddress: { address: bob.mail } }],
          ccRecipients: [{ emailAddress: { address: 'someone@fabrikam.com' } }],
        },
      },
    });
    assert.equal(res.status, 202);
    assert.equal(res.body, '');
    const filter = `$filter=subject eq '${subject}'`;
    const sentCopy = await h.graph(sender, `/users/${alice.id}/mailFolders/sentitems/messages?${filter}`);
    assert.equal(sentCopy.body.value.length, 1);
    assert.equal(sentCopy.body.value[0].from.emailAddress.address, alice.mail);
    const received = await h.graph(sender, `/users/${bob.id}/mailFolders/inbox/messages?${filter}`);
    assert.equal(received.body.value.length, 1);
    assert.equal(received.body.value[0].isRead, false);
    assert.equal(received.body.value[0].internetMessageId, sentCopy.body.value[0].internetMessageId);

    await sdk(sender)
      .api(`/users/${alice.id}/sendMail`)
      .post({
        message: { subject: `${subject} quiet`, toRecipients: [{ emailAddress: { address: carol.mail } }] },
        saveToSentItems: false,
      });
    const quiet = await h.graph(sender, `/users/${alice.id}/messages?$filter=subject eq '${subject} quiet'`);
    assert.equal(quiet.body.value.length, 0, 'saveToSentItems: false keeps no copy');
    const delivered = await h.graph(sender, `/users/${carol.id}/messages?$filter=subject eq '${subject} quiet'`);
    assert.equal(delivered.body.value.length, 1);

    const empty = await h.graph(sender, `/users/${alice.id}/sendMail`, {
      method: 'POST',
      body: { message: { subject: 'x' } },
    });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.code, 'ErrorInvalidRecipients');
    assert.equal(
      empty.body.error.message,
      "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
    );
    const badJson = await h.fetch(`${h.sandbox.graph}/users/${alice.id}/sendMail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sender}`, 'content-type': 'application/json' },
      body: '{"message": ',
    });
    assert.equal(badJson.status, 400);
    const mime = Buffer.from(
      `From: ${alice.mail}\r\nTo: ${bob.mail}\r\nSubject: MIME ${subject}\r\n\r\nplain body`,
    ).toString('base64');
    const mimeSent = await h.fetch(`${h.sandbox.graph}/users/${alice.id}/sendMail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sender}`, 'content-type': 'text/plain' },
      body: mime,
    });
    assert.equal(mimeSent.status, 202);
    const badMime = await h.fetch(`${h.sandbox.graph}/users/${alice.id}/sendMail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sender}`, 'content-type': 'text/plain' },
      body: 'not base64!',
    });
    assert.equal(badMime.status, 400);
    assert.equal(((await badMime.json()) as Json).error.code, 'ErrorMimeContentInvalidBase64String');
  });

  test('shared mailbox: app-only sends as it; delegated users need Mail.Send.Shared plus Full Access and Send As', async () => {
    const shared = await h.control(
      'POST',
      `/tenants/${h.tenantId}/sharedMailboxes`,
      { displayName: 'Support', mailNickname: 'support' },
      201,
    );
    assert.equal(shared.mail, `support@${shared.userPrincipalName.split('@')[1]}`);
    const view = await h.control('GET', `/tenants/${h.tenantId}/users/${shared.id}`);
    assert.equal(view.accountEnabled, false);
    assert.equal(view.mailboxEnabled, true);

    const message = (subject: string) => ({
      message: { subject, toRecipients: [{ emailAddress: { address: carol.mail } }] },
    });
    const appSend = await h.graph(sender, `/users/${shared.id}/sendMail`, {
      method: 'POST',
      body: message('From support'),
    });
    assert.equal(appSend.status, 202);
    const sharedSent = await h.graph(sender, `/users/${shared.id}/mailFolders/sentitems/messages`);
    assert.equal(sharedSent.body.value[0].from.emailAddress.address, shared.mail);

    const aliceShared = await delegatedToken(alice, ['Mail.Send', 'Mail.Send.Shared', 'Mail.Read', 'Mail.Read.Shared']);
    const denied = await h.graph(aliceShared, `/users/${shared.id}/sendMail`, {
      method: 'POST',
      body: message('Denied'),
    });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'ErrorSendAsDenied');
    assert.equal(denied.body.error.message, SEND_AS_DENIED);
    const fromShared = {
      message: { ...message('As support').message, from: { emailAddress: { address: shared.mail } } },
    };
    const meDenied = await h.graph(aliceShared, '/me/sendMail', { method: 'POST', body: fromShared });
    assert.equal(meDenied.status, 403);
    assert.equal(meDenied.body.error.code, 'ErrorSendAsDenied');
    const readDenied = await h.graph(aliceShared, `/users/${shared.id}/messages`);
    assert.equal(readDenied.status, 403, 'no Full Access, no reading');

    await h.control(
      'POST',
      `/tenants/${h.tenantId}/mailboxPermissions`,
      { mailbox: shared.id, user: alice.userPrincipalName, rights: ['FullAccess', 'SendAs'] },
      201,
    );
    const allowed = await h.graph(aliceShared, `/users/${shared.id}/sendMail`, {
      method: 'POST',
      body: message('Allowed'),
    });
    assert.equal(allowed.status, 202);
    const asShared = await h.graph(aliceShared, '/me/sendMail', { method: 'POST', body: fromShared });
    assert.equal(asShared.status, 202);
    const delivered = await h.graph(sender, `/users/${carol.id}/messages?$filter=subject eq 'As support'`);
    assert.equal(delivered.body.value[0].from.emailAddress.address, shared.mail);
    assert.equal(delivered.body.value[0].sender.emailAddress.address, shared.mail, 'Send As: sender is the mailbox');
    assert.equal((await h.graph(aliceShared, `/users/${shared.id}/messages`)).status, 200);

    const noSharedScope = await delegatedToken(alice, ['Mail.Send']);
    const scopeDenied = await h.graph(noSharedScope, `/users/${shared.id}/sendMail`, {
      method: 'POST',
      body: message('x'),
    });
    assert.equal(scopeDenied.status, 403);
    assert.equal(scopeDenied.body.error.code, 'ErrorAccessDenied');

    await h.control('DELETE', `/tenants/${h.tenantId}/mailboxPermissions`, {
      mailbox: shared.id,
      user: alice.id,
      rights: ['SendAs'],
    });
    const revoked = await h.graph(aliceShared, '/me/sendMail', { method: 'POST', body: fromShared });
    assert.equal(revoked.status, 403);
    assert.equal(revoked.body.error.code, 'ErrorSendAsDenied');
  });

  test('mailbox errors: unknown user, user without a mailbox, /me with an app token', async () => {
    const noMailbox = await h.control(
      'POST',
      `/tenants/${h.tenantId}/users`,
      { displayName: 'No Licence', mailboxEnabled: false },
      201,
    );
    const res = await h.graph(reader, `/users/${noMailbox.id}/messages`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'MailboxNotEnabledForRESTAPI');
    const unknown = await h.graph(reader, '/users/nobody@example.com/messages');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'ErrorInvalidUser');
    const me = await h.graph(reader, '/me/messages');
    assert.equal(me.status, 400);
    assert.equal(me.body.error.message, '/me request is only valid with delegated authentication flow.');
  });

  test('application access policies: RestrictAccess and DenyAccess answer "Access to OData is disabled."', async () => {
    const { token, app } = await h.appToken(['Mail.Read']);
    const scope = await h.control(
      'POST',
      `/tenants/${h.tenantId}/mailEnabledSecurityGroups`,
      { displayName: 'Mail app scope', mailNickname: 'mailappscope', members: [alice.id] },
      201,
    );
    const policies = `/tenants/${h.tenantId}/applicationAccessPolicies`;
    await h.control('POST', policies, { appId: app.appId, scopeGroupId: scope.id, accessRight: 'RestrictAccess' }, 201);
    assert.equal((await h.graph(token, `/users/${alice.id}/messages?$top=1`)).status, 200);
    const outside = await h.graph(token, `/users/${bob.id}/messages?$top=1`);
    assert.equal(outside.status, 403);
    assert.equal(outside.body.error.code, 'ErrorAccessDenied');
    assert.equal(outside.body.error.message, 'Access to OData is disabled.');
    assert.equal(
      (await h.graph(reader, `/users/${bob.id}/messages?$top=1`)).status,
      200,
      'other apps are not affected',
    );
    assert.equal((await h.control('GET', policies)).length, 1);

    await h.control('DELETE', policies, undefined, 204);
    await h.control('POST', policies, { appId: app.appId, scopeGroupId: scope.id, accessRight: 'DenyAccess' }, 201);
    const inside = await h.graph(token, `/users/${alice.id}/messages?$top=1`);
    assert.equal(inside.status, 403);
    assert.equal(inside.body.error.message, 'Access to OData is disabled.');
    assert.equal((await h.graph(token, `/users/${bob.id}/messages?$top=1`)).status, 200);
    await h.control('DELETE', policies, undefined, 204);

    const groups = (await h.control('GET', `/tenants/${h.tenantId}`)).groups as Json[];
    const unified = groups.find((g) => g.groupTypes.includes('Unified'));
    await h.control('POST', policies, { appId: app.appId, scopeGroupId: unified.id, accessRight: 'DenyAccess' }, 400);
    await h.control(
      'POST',
      policies,
      { appId: app.appId, scopeGroupId: '00000000-0000-0000-0000-000000000000', accessRight: 'DenyAccess' },
      404,
    );
  });

  test('permissions: a denial, Mail.ReadBasic.All without bodies, Mail.Read and Mail.ReadWrite with them', async () => {
    const unrelated = (await h.appToken(['User.Read.All'])).token;
    const denied = await h.graph(unrelated, `/users/${alice.id}/messages`);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'ErrorAccessDenied');
    assert.equal(denied.body.error.message, ACCESS_DENIED);
    const sendOnly = await h.graph(sender, `/users/${alice.id}/messages`, {
      method: 'POST',
      body: { subject: 'x' },
    });
    assert.equal(sendOnly.status, 403, 'Mail.Send and Mail.Read cannot create messages');

    const basicList = await h.graph(basic, `/users/${alice.id}/messages?$top=1`);
    assert.equal(basicList.status, 200);
    assert.equal('body' in basicList.body.value[0], false);
    assert.equal('bodyPreview' in basicList.body.value[0], false);
    assert.ok('subject' in basicList.body.value[0]);
    for (const token of [reader, writer]) {
      const full = await h.graph(token, `/users/${alice.id}/messages?$top=1`);
      assert.equal(full.status, 200);
      assert.ok(full.body.value[0].body.content.length > 0);
    }

    const mine = await delegatedToken(bob, ['Mail.Read']);
    const own = await h.graph(mine, '/me/messages?$top=2');
    assert.equal(own.status, 200);
    assert.match(own.body['@odata.context'], new RegExp(`users\\('${bob.id}'\\)`));
    const someoneElse = await h.graph(mine, `/users/${alice.id}/messages`);
    assert.equal(someoneElse.status, 403, 'another mailbox needs Mail.Read.Shared');
    assert.equal(someoneElse.body.error.code, 'ErrorAccessDenied');
  });

  test('mailboxSettings: get, patch automatic replies, validation, /me', async () => {
    const settingsReader = (await h.appToken(['MailboxSettings.Read'])).token;
    const settingsWriter = (await h.appToken(['MailboxSettings.ReadWrite'])).token;
    const settings = await sdk(settingsReader).api(`/users/${carol.id}/mailboxSettings`).get();
    for (const key of ['timeZone', 'language', 'workingHours', 'automaticRepliesSetting', 'dateFormat', 'timeFormat']) {
      assert.ok(key in settings, key);
    }
    assert.equal(settings.automaticRepliesSetting.status, 'disabled');
    assert.equal(settings.userPurpose, 'user');

    const readOnly = await h.graph(settingsReader, `/users/${carol.id}/mailboxSettings`, {
      method: 'PATCH',
      body: { timeZone: 'UTC' },
    });
    assert.equal(readOnly.status, 403);
    const patched = await sdk(settingsWriter)
      .api(`/users/${carol.id}/mailboxSettings`)
      .patch({ automaticRepliesSetting: { status: 'alwaysEnabled', internalReplyMessage: 'Out until Monday' } });
    assert.deepEqual(Object.keys(patched), ['@odata.context', 'automaticRepliesSetting']);
    assert.equal(patched.automaticRepliesSetting.status, 'alwaysEnabled');
    assert.equal(patched.automaticRepliesSetting.externalAudience, 'all', 'other fields are kept');
    const timeZone = await h.graph(settingsReader, `/users/${carol.id}/mailboxSettings/timeZone`);
    assert.equal(timeZone.body.value, settings.timeZone);

    const badStatus = await h.graph(settingsWriter, `/users/${carol.id}/mailboxSettings`, {
      method: 'PATCH',
      body: { automaticRepliesSetting: { status: 'sometimes' } },
    });
    assert.equal(badStatus.status, 400);
    const badKey = await h.graph(settingsWriter, `/users/${carol.id}/mailboxSettings`, {
      method: 'PATCH',
      body: { userPurpose: 'shared' },
    });
    assert.equal(badKey.status, 400);

    const mine = await delegatedToken(carol, ['MailboxSettings.Read']);
    const me = await h.graph(mine, '/me/mailboxSettings');
    assert.equal(me.status, 200);
    assert.equal(me.body.automaticRepliesSetting.internalReplyMessage, 'Out until Monday');
  });

  test('Outlook throttling: more than the concurrent requests a mailbox allows get 429 ApplicationThrottled', async () => {
    const before = await h.control('GET', '/throttling');
    await h.control('POST', '/stats/reset');
    const burst = () =>
      Promise.all(Array.from({ length: 5 }, () => h.graph(reader, `/users/${alice.id}/messages?$top=1&$select=id`)));
    await burst(); // opens five keep-alive connections, so the measured burst arrives together
    await h.control('PUT', '/throttling', { scale: 0.25 });
    try {
      const results = await Promise.all(
        Array.from({ length: 5 }, () => h.graph(reader, `/users/${alice.id}/messages?$top=1&$select=id`)),
      );
      const throttled = results.filter((r) => r.status === 429);
      assert.ok(throttled.length >= 1, `statuses: ${results.map((r) => r.status).join(',')}`);
      assert.equal(throttled[0]!.body.error.code, 'ApplicationThrottled');
      assert.equal(throttled[0]!.body.error.message, 'Application is over its MailboxConcurrency limit.');
      assert.ok(Number(throttled[0]!.headers.get('retry-after')) >= 1);
      assert.ok(results.some((r) => r.status === 200));
      const stats = await h.control('GET', '/stats');
      assert.ok(stats.peakConcurrencyByMailbox[alice.id] >= 1, JSON.stringify(stats.peakConcurrencyByMailbox));
    } finally {
      await h.control('PUT', '/throttling', { scale: before.scale, enabled: before.enabled });
    }
  });
});
