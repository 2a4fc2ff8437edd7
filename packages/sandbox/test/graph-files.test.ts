import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AuthenticationHandler,
  Client,
  type Context,
  FileUpload,
  LargeFileUploadTask,
  PageIterator,
  RedirectHandler,
  RetryHandler,
} from '@microsoft/microsoft-graph-client';
import { type Harness, type Json, startHarness, TEST_DATA_DIR } from '../src/testing/index.js';
import { graphSdkClient } from './helpers/graph-sdk.js';

const KiB = 1024;

describe('files: OneDrive and SharePoint drives, uploads, sharing and delta', () => {
  let h: Harness;
  let writer: string;
  let reader: string;
  let sitesWriter: string;
  let unrelated: string;
  let client: Client;
  let alice: Json;
  let bob: Json;
  let carol: Json;
  let driveId: string;
  let rootId: string;

  const sdkClient = (token: string) => graphSdkClient(h, async () => token);

  /**
   * The SDK's default chain with a last handler sending through undici's own fetch: Node's built-in fetch mixed with
   * the test's undici Agent rejects the explicit Content-Length header LargeFileUploadTask sets on each slice.
   */
  const uploadClient = (token: string) =>
    Client.initWithMiddleware({
      baseUrl: h.sandbox.authority,
      defaultVersion: 'v1.0',
      customHosts: new Set(['localhost']),
      middleware: [
        new AuthenticationHandler({ getAccessToken: async () => token }),
        new RetryHandler(),
        new RedirectHandler(),
        {
          execute: async (context: Context) => {
            context.response = (await h.fetch(
              String(context.request),
              context.options as never,
            )) as unknown as Response;
          },
        },
      ],
    });

  /** PUTs raw bytes (simple upload) with a bearer token. */
  async function put(token: string, path: string, bytes: Buffer | string, contentType = 'text/plain') {
    const res = await h.fetch(`${h.sandbox.graph}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: bytes,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  async function deltaAll(token: string, url: string, headers: Record<string, string> = {}) {
    const items: Json[] = [];
    let next: string | undefined = url;
    let pages = 0;
    let deltaLink = '';
    while (next) {
      const res = await h.graph(token, next, { headers });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      items.push(...res.body.value);
      pages++;
      next = res.body['@odata.nextLink'];
      deltaLink = res.body['@odata.deltaLink'] ?? deltaLink;
    }
    return { items, pages, deltaLink };
  }

  before(async () => {
    h = await startHarness({ users: 5 });
    const user = (body: Record<string, unknown>) => h.control('POST', `/tenants/${h.tenantId}/users`, body, 201);
    alice = await user({
      displayName: 'Alice Files',
      userPrincipalName: `alice@${h.sandbox.tenants[0]!.defaultDomain}`,
    });
    bob = await user({ displayName: 'Bob NoDrive', oneDriveProvisioned: false });
    carol = await user({ displayName: 'Carol Colleague' });
    [writer, reader, sitesWriter, unrelated] = await Promise.all([
      h.appToken(['Files.ReadWrite.All']).then((t) => t.token),
      h.appToken(['Files.Read.All']).then((t) => t.token),
      h.appToken(['Sites.ReadWrite.All']).then((t) => t.token),
      h.appToken(['User.Read.All']).then((t) => t.token),
    ]);
    client = sdkClient(writer);
    const drive = await client.api(`/users/${alice.userPrincipalName}/drive`).get();
    driveId = drive.id;
    rootId = (await client.api(`/drives/${driveId}/root`).get()).id;
  });
  after(() => h.close());

  test('a provisioned user has a OneDrive; without one Graph says the mysite is missing', async () => {
    const drive = await client.api(`/users/${alice.id}/drive`).get();
    assert.equal(drive.id, driveId);
    assert.match(drive.id, /^b![A-Za-z0-9_-]{64}$/);
    assert.equal(drive.driveType, 'business');
    assert.equal(drive.owner.user.id, alice.id);
    assert.match(drive.webUrl, /^https:\/\/[a-z0-9]+-my\.sharepoint\.com\/personal\/alice_/);
    assert.equal(drive.quota.total, drive.quota.used + drive.quota.remaining);
    assert.equal(drive.quota.state, 'normal');
    assert.equal((await client.api(`/drives/${driveId}`).get()).owner.user.displayName, 'Alice Files');

    const children = await client.api(`/drives/${driveId}/root/children`).get();
    const names = children.value.map((i: Json) => i.name);
    assert.ok(names.includes('Documents') && names.includes('Shared') && names.includes('Notes.txt'), names.join());
    const documents = children.value.find((i: Json) => i.name === 'Documents');
    assert.equal(documents.folder.childCount, 3);
    const inDocs = await client.api(`/users/${alice.id}/drive/items/${documents.id}/children`).get();
    const exts = inDocs.value.map((i: Json) => i.name.split('.').pop()).sort();
    assert.deepEqual(exts, ['docx', 'pdf', 'xlsx']);
    const docx = inDocs.value.find((i: Json) => i.name.endsWith('.docx'));
    assert.equal(docx.file.mimeType, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    assert.equal(docx.parentReference.path, `/drives/${driveId}/root:/Documents`);
    assert.equal(docx.parentReference.driveId, driveId);
    assert.match(docx.eTag, /^"\{[0-9A-F-]{36}\},\d+"$/);
    assert.equal(typeof docx.file.hashes.quickXorHash, 'string');
    assert.equal(docx.createdBy.user.id, alice.id);

    const missing = await h.graph(writer, `/users/${bob.id}/drive`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'ResourceNotFound');
    assert.equal(missing.body.error.message, "User's mysite not found.");
    const unknown = await h.graph(writer, '/users/nobody@example.com/drive');
    assert.equal(unknown.status, 404);
    const badDrive = await h.graph(writer, `/drives/b!${'A'.repeat(64)}`);
    assert.equal(badDrive.status, 404);
    assert.equal(badDrive.body.error.code, 'itemNotFound');
  });

  test('children page at 200 by default, $top up to 1,000, $orderby and $select', async () => {
    const seeded = await h.control('POST', `/tenants/${h.tenantId}/users/${alice.id}/drive/files`, {
      folder: 'Bulk',
      count: 450,
      sizeBytes: 10,
    });
    assert.equal(seeded.created, 450);
    const first = await client.api(`/drives/${driveId}/root:/Bulk:/children`).get();
    assert.equal(first.value.length, 200);
    assert.match(first['@odata.nextLink'], /\$skiptoken=/);
    const ids: string[] = [];
    await new PageIterator(client, first, (item: Json) => {
      ids.push(item.id);
      return true;
    }).iterate();
    assert.equal(new Set(ids).size, 450);

    const big = await h.graph(writer, `/drives/${driveId}/items/${seeded.folderId}/children?$top=1000`);
    assert.equal(big.body.value.length, 450);
    assert.equal(big.body['@odata.nextLink'], undefined);
    const sorted = await h.graph(
      writer,
      `/drives/${driveId}/items/${seeded.folderId}/children?$top=2&$orderby=name desc&$select=id,name`,
    );
    assert.deepEqual(
      sorted.body.value.map((i: Json) => i.name),
      ['File 000450.txt', 'File 000449.txt'],
    );
    assert.deepEqual(Object.keys(sorted.body.value[0]).sort(), ['id', 'name']);
    const badSelect = await h.graph(writer, `/drives/${driveId}/root/children?$select=nope`);
    assert.equal(badSelect.status, 400);
  });

  test('items by path: the item, its children and its content', async () => {
    const notes = await client.api(`/drives/${driveId}/root:/Notes.txt`).get();
    assert.equal(notes.name, 'Notes.txt');
    assert.equal(notes.parentReference.id, rootId);
    const viaColon = await client.api(`/drives/${driveId}/root:/Notes.txt:`).get();
    assert.equal(viaColon.id, notes.id);
    const folder = await client
      .api(`/me/drive/root:/Documents:/children`)
      .get()
      .catch((e: Json) => e);
    assert.equal(folder.statusCode, 400, 'an app token cannot use /me');
    const docs = await client.api(`/drives/${driveId}/root:/Documents:/children`).get();
    assert.equal(docs.value.length, 3);
    const missing = await h.graph(writer, `/drives/${driveId}/root:/Documents/none.docx`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'itemNotFound');
    const content = await h.fetch(`${h.sandbox.graph}/drives/${driveId}/root:/Notes.txt:/content`, {
      headers: { authorization: `Bearer ${writer}` },
    });
    assert.equal(content.status, 200, 'the SDK-style fetch follows the 302');
    assert.equal((await content.text()).length, notes.size);
  });

  test('create a folder; a second one of that name conflicts unless renamed', async () => {
    const created = await client.api(`/drives/${driveId}/root/children`).post({
      name: 'Projects',
      folder: {},
      '@microsoft.graph.conflictBehavior': 'fail',
    });
    assert.equal(created.name, 'Projects');
    assert.deepEqual(created.folder, { childCount: 0 });
    const again = await h.graph(writer, `/drives/${driveId}/root/children`, {
      method: 'POST',
      body: { name: 'projects', folder: {} },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'nameAlreadyExists');
    const renamed = await h.graph(writer, `/drives/${driveId}/items/${rootId}/children`, {
      method: 'POST',
      body: { name: 'Projects', folder: {}, '@microsoft.graph.conflictBehavior': 'rename' },
    });
    assert.equal(renamed.status, 201);
    assert.equal(renamed.body.name, 'Projects 1');
    const invalid = await h.graph(writer, `/drives/${driveId}/root/children`, {
      method: 'POST',
      body: { name: 'a:b', folder: {} },
    });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error.code, 'invalidRequest');
  });

  test('simple upload (201), download through a 302 to a pre-authenticated URL, replace (200), rename and move', async () => {
    const up = await put(writer, `/drives/${driveId}/items/${rootId}:/Uploads/hello.txt:/content`, 'Hello, OneDrive!');
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.size, 16);
    assert.equal(up.body.file.mimeType, 'text/plain');
    assert.equal(up.body.parentReference.path, `/drives/${driveId}/root:/Uploads`);

    const redirect = await h.fetch(`${h.sandbox.graph}/drives/${driveId}/items/${up.body.id}/content`, {
      headers: { authorization: `Bearer ${writer}` },
      redirect: 'manual',
    });
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location')!;
    const download = await h.fetch(location);
    assert.equal(download.status, 200, 'no bearer token needed');
    assert.equal(await download.text(), 'Hello, OneDrive!');
    const tampered = await h.fetch(`${location.slice(0, -3)}xyz`);
    assert.equal(tampered.status, 401);
    const item = await client.api(`/drives/${driveId}/items/${up.body.id}`).get();
    assert.match(item['@microsoft.graph.downloadUrl'], /\/_files\/download\//);
    const partial = await h.fetch(item['@microsoft.graph.downloadUrl'], { headers: { range: 'bytes=7-14' } });
    assert.equal(partial.status, 206);
    assert.equal(await partial.text(), 'OneDrive');

    const replaced = await put(
      writer,
      `/drives/${driveId}/items/${up.body.id}/content`,
      Buffer.from([1, 2, 3]),
      'application/octet-stream',
    );
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.id, up.body.id);
    assert.equal(replaced.body.size, 3);
    assert.notEqual(replaced.body.cTag, up.body.cTag);
    const byPath = await put(writer, `/drives/${driveId}/root:/Uploads/hello.txt:/content`, 'v3');
    assert.equal(byPath.status, 200);
    const failing = await put(
      writer,
      `/drives/${driveId}/root:/Uploads/hello.txt:/content?@microsoft.graph.conflictBehavior=fail`,
      'x',
    );
    assert.equal(failing.status, 409);

    // The SDK sends put(buffer) as application/json: the bytes are stored as they are.
    const viaSdk = await client.api(`/drives/${driveId}/root:/Uploads/raw.bin:/content`).put(Buffer.from([0, 255, 7]));
    assert.equal(viaSdk.size, 3);
    const rawBytes = Buffer.from(await (await h.fetch(viaSdk['@microsoft.graph.downloadUrl'])).arrayBuffer());
    assert.deepEqual([...rawBytes], [0, 255, 7]);
    const badJson = await h.fetch(`${h.sandbox.graph}/drives/${driveId}/root/children`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: '{nope',
    });
    assert.equal(badJson.status, 400);
    assert.equal(((await badJson.json()) as Json).error.code, 'BadRequest');

    const stale = await h.graph(writer, `/drives/${driveId}/items/${up.body.id}`, {
      method: 'PATCH',
      body: { name: 'nope.txt' },
      headers: { 'if-match': up.body.eTag },
    });
    assert.equal(stale.status, 412);
    const projects = await client.api(`/drives/${driveId}/root:/Projects`).get();
    const moved = await client
      .api(`/drives/${driveId}/items/${up.body.id}`)
      .patch({ name: 'greeting.txt', parentReference: { id: projects.id } });
    assert.equal(moved.name, 'greeting.txt');
    assert.equal(moved.parentReference.path, `/drives/${driveId}/root:/Projects`);
    const intoItself = await h.graph(writer, `/drives/${driveId}/items/${projects.id}`, {
      method: 'PATCH',
      body: { parentReference: { id: projects.id } },
    });
    assert.equal(intoItself.status, 400);
  });

  test('a 2 MB upload with the unmodified LargeFileUploadTask, and the upload session errors', async () => {
    const bytes = Buffer.alloc(2 * 1024 * KiB + 12_345);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
    const session = await LargeFileUploadTask.createUploadSession(
      client,
      `${h.sandbox.graph}/drives/${driveId}/root:/Uploads/big.bin:/createUploadSession`,
      { item: { '@microsoft.graph.conflictBehavior': 'rename', name: 'big.bin' } },
    );
    assert.match(session.url, /\/_files\/upload\//);
    const content = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    const task = new LargeFileUploadTask(
      uploadClient(writer),
      new FileUpload(content, 'big.bin', bytes.length),
      session,
      {
        rangeSize: 640 * KiB,
      },
    );
    const result = await task.upload();
    const uploaded = result.responseBody as Json;
    assert.equal(uploaded.name, 'big.bin');
    assert.equal(uploaded.size, bytes.length);
    const downloaded = Buffer.from(
      await (
        await h.fetch(
          (
            await client.api(`/drives/${driveId}/items/${uploaded.id}`).get()
          )['@microsoft.graph.downloadUrl'],
        )
      ).arrayBuffer(),
    );
    assert.ok(downloaded.equals(bytes));

    const second = await h.graph(writer, `/drives/${driveId}/root:/Uploads/other.bin:/createUploadSession`, {
      method: 'POST',
      body: { item: { '@microsoft.graph.conflictBehavior': 'fail' } },
    });
    assert.equal(second.status, 200);
    assert.deepEqual(second.body.nextExpectedRanges, ['0-']);
    const uploadUrl: string = second.body.uploadUrl;
    const fragment = (range: string, body: Buffer) =>
      h.fetch(uploadUrl, { method: 'PUT', headers: { 'content-range': range }, body });
    const notMultiple = await fragment('bytes 0-99/1000000', Buffer.alloc(100));
    assert.equal(notMultiple.status, 400);
    assert.equal(((await notMultiple.json()) as Json).error.code, 'invalidRequest');
    const ok = await fragment(`bytes 0-${320 * KiB - 1}/1000000`, Buffer.alloc(320 * KiB));
    assert.equal(ok.status, 202);
    assert.deepEqual(((await ok.json()) as Json).nextExpectedRanges, [`${320 * KiB}-999999`]);
    const overlap = await fragment(`bytes 0-${320 * KiB - 1}/1000000`, Buffer.alloc(320 * KiB));
    assert.equal(overlap.status, 416);
    const overlapBody = (await overlap.json()) as Json;
    assert.equal(overlapBody.error.code, 'invalidRange');
    assert.equal(overlapBody.error.innerError.code, 'fragmentOverlap');
    const gap = await fragment(`bytes ${640 * KiB}-${960 * KiB - 1}/1000000`, Buffer.alloc(320 * KiB));
    assert.equal(gap.status, 416);
    const short = await fragment(`bytes ${320 * KiB}-${640 * KiB - 1}/1000000`, Buffer.alloc(10));
    assert.equal(short.status, 400);
    assert.equal(((await short.json()) as Json).error.innerError.code, 'fragmentLengthMismatch');
    const status = await h.fetch(uploadUrl);
    assert.equal(status.status, 200);
    const cancelled = await h.fetch(uploadUrl, { method: 'DELETE' });
    assert.equal(cancelled.status, 204);
    const gone = await h.fetch(uploadUrl);
    assert.equal(gone.status, 404);
    const exists = await h.graph(writer, `/drives/${driveId}/root:/Uploads/big.bin:/createUploadSession`, {
      method: 'POST',
      body: { item: { '@microsoft.graph.conflictBehavior': 'fail' } },
    });
    assert.equal(exists.status, 409);
  });

  test('copy answers 202 with a monitor URL that reaches completed, and the copy is there', async () => {
    const projects = await client.api(`/drives/${driveId}/root:/Projects`).get();
    const notes = await client.api(`/drives/${driveId}/root:/Notes.txt`).get();
    const res = await h.graph(writer, `/drives/${driveId}/items/${notes.id}/copy`, {
      method: 'POST',
      body: { parentReference: { driveId, id: projects.id }, name: 'Notes copy.txt' },
    });
    assert.equal(res.status, 202);
    const monitor = res.headers.get('location')!;
    assert.match(monitor, /\/_api\/v2\.0\/monitor\//);
    const first = await h.fetch(monitor);
    assert.equal(first.status, 202);
    const progress = (await first.json()) as Json;
    assert.equal(progress.operation, 'ItemCopy');
    assert.equal(progress.status, 'inProgress');
    const done = (await (await h.fetch(monitor)).json()) as Json;
    assert.equal(done.status, 'completed');
    assert.equal(done.percentageComplete, 100);
    const copy = await client.api(`/drives/${driveId}/items/${done.resourceId}`).get();
    assert.equal(copy.name, 'Notes copy.txt');
    assert.equal(copy.size, notes.size);
    assert.equal(copy.parentReference.id, projects.id);
    const conflict = await h.graph(writer, `/drives/${driveId}/items/${notes.id}/copy`, {
      method: 'POST',
      body: { parentReference: { driveId, id: projects.id }, name: 'Notes copy.txt' },
    });
    assert.equal(conflict.status, 409);
  });

  test('createLink: view/organization, edit/anonymous while allowed, refused once sharing is disabled', async () => {
    const notes = await client.api(`/drives/${driveId}/root:/Notes.txt`).get();
    await h.control('PATCH', `/tenants/${h.tenantId}/settings`, { sharingCapability: 'externalUserAndGuestSharing' });
    const url = `/drives/${driveId}/items/${notes.id}/createLink`;
    const view = await h.graph(writer, url, { method: 'POST', body: { type: 'view', scope: 'organization' } });
    assert.equal(view.status, 201);
    assert.deepEqual(view.body.roles, ['read']);
    assert.equal(view.body.link.scope, 'organization');
    assert.equal(view.body.link.type, 'view');
    assert.match(view.body.link.webUrl, /^https:\/\/[a-z0-9]+-my\.sharepoint\.com\/:t:\//);
    const same = await h.graph(writer, url, { method: 'POST', body: { type: 'view', scope: 'organization' } });
    assert.equal(same.status, 200);
    assert.equal(same.body.id, view.body.id);
    const edit = await client.api(url).post({ type: 'edit', scope: 'anonymous' });
    assert.deepEqual(edit.roles, ['write']);
    assert.equal(edit.link.scope, 'anonymous');
    const embed = await h.graph(writer, url, { method: 'POST', body: { type: 'embed' } });
    assert.equal(embed.status, 400);

    await h.control('PATCH', `/tenants/${h.tenantId}/settings`, { sharingCapability: 'disabled' });
    const refused = await h.graph(writer, url, { method: 'POST', body: { type: 'view', scope: 'anonymous' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'accessDenied');
    assert.match(refused.body.error.message, /disabled/);
    const internal = await h.graph(writer, url, { method: 'POST', body: { type: 'edit', scope: 'organization' } });
    assert.equal(internal.status, 201);
    const settingsReader = (await h.appToken(['SharePointTenantSettings.Read.All'])).token;
    const settings = await h.graph(settingsReader, '/admin/sharepoint/settings');
    assert.equal(settings.status, 200);
    assert.equal(settings.body.sharingCapability, 'disabled');
    for (const token of [writer, sitesWriter]) {
      const denied = await h.graph(token, '/admin/sharepoint/settings');
      assert.equal(denied.status, 403, 'Files and Sites permissions do not reach tenant settings');
    }
  });

  test('permissions: list, get, delete; invite inside the tenant and, when allowed, outside it', async () => {
    const notes = await client.api(`/drives/${driveId}/root:/Notes.txt`).get();
    const base = `/drives/${driveId}/items/${notes.id}`;
    const list = await client.api(`${base}/permissions`).get();
    assert.deepEqual(list.value[0].roles, ['owner']);
    const link = list.value.find((p: Json) => p.link?.scope === 'anonymous');
    assert.ok(link);
    const one = await h.graph(reader, `${base}/permissions/${link.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.link.type, 'edit');
    const removed = await h.graph(writer, `${base}/permissions/${link.id}`, { method: 'DELETE' });
    assert.equal(removed.status, 204);
    assert.equal((await h.graph(writer, `${base}/permissions/${link.id}`)).status, 404);
    const after = await client.api(`${base}/permissions`).get();
    assert.equal(after.value.length, list.value.length - 1);

    const invited = await client.api(`${base}/invite`).post({
      recipients: [{ email: carol.userPrincipalName }],
      roles: ['write'],
      requireSignIn: true,
      sendInvitation: false,
      message: 'Have a look',
    });
    assert.equal(invited.value.length, 1);
    assert.equal(invited.value[0].grantedToV2.user.id, carol.id);
    assert.deepEqual(invited.value[0].roles, ['write']);
    const outside = { recipients: [{ email: 'partner@fabrikam.example' }], roles: ['read'], requireSignIn: true };
    const refused = await h.graph(writer, `${base}/invite`, { method: 'POST', body: outside });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'accessDenied');
    await h.control('PATCH', `/tenants/${h.tenantId}/settings`, { sharingCapability: 'externalUserSharingOnly' });
    const guest = await h.graph(writer, `${base}/invite`, { method: 'POST', body: outside });
    assert.equal(guest.status, 200);
    assert.deepEqual(guest.body.value[0].invitation, { email: 'partner@fabrikam.example', signInRequired: true });
    const badRoles = await h.graph(writer, `${base}/invite`, {
      method: 'POST',
      body: { ...outside, roles: ['owner'] },
    });
    assert.equal(badRoles.status, 400);
  });

  test('delta: the initial enumeration, then exactly the uploaded, deleted and renamed items; token=latest; 410', async () => {
    const drive = (await h.graph(writer, `/users/${carol.id}/drive`)).body;
    const initial = await deltaAll(writer, `/drives/${drive.id}/root/delta?$top=3`);
    assert.ok(initial.pages >= 3, `paged: ${initial.pages}`);
    assert.equal(initial.items[0].root !== undefined, true, 'the root comes first');
    const live = initial.items.filter((i: Json) => !i.deleted);
    assert.equal(new Set(live.map((i: Json) => i.id)).size, 8, 'root, 2 folders, 5 files');
    assert.match(initial.deltaLink, /\/root\/delta\?.*token=/);
    const quiet = await h.graph(writer, initial.deltaLink);
    assert.deepEqual(quiet.body.value, []);

    const carolClient = client;
    const added = await put(writer, `/drives/${drive.id}/root:/Documents/new.txt:/content`, 'new');
    const notes = await carolClient.api(`/drives/${drive.id}/root:/Notes.txt`).get();
    await carolClient.api(`/drives/${drive.id}/items/${notes.id}`).delete();
    const shared = await carolClient.api(`/drives/${drive.id}/root:/Shared:/children`).get();
    const renamedId = shared.value[0].id;
    await carolClient.api(`/drives/${drive.id}/items/${renamedId}`).patch({ name: 'Renamed.docx' });

    const changes = await deltaAll(writer, quiet.body['@odata.deltaLink'], { deltaExcludeParent: 'true' });
    assert.deepEqual(changes.items.map((i: Json) => i.id).sort(), [added.body.id, notes.id, renamedId].sort());
    const deleted = changes.items.find((i: Json) => i.id === notes.id);
    assert.deepEqual(deleted.deleted, { state: 'deleted' });
    assert.equal(changes.items.find((i: Json) => i.id === renamedId).name, 'Renamed.docx');
    const withParents = await deltaAll(writer, quiet.body['@odata.deltaLink']);
    assert.ok(
      withParents.items.some((i: Json) => i.root !== undefined),
      'ancestors come along by default',
    );

    const latest = await h.graph(writer, `/drives/${drive.id}/root/delta?token=latest`);
    assert.deepEqual(latest.body.value, []);
    const later = await put(writer, `/drives/${drive.id}/root:/later.txt:/content`, 'later');
    const sinceLatest = await deltaAll(writer, latest.body['@odata.deltaLink'], { deltaExcludeParent: 'true' });
    assert.deepEqual(
      sinceLatest.items.map((i: Json) => i.id),
      [later.body.id],
    );
    const meStyle = await h.graph(writer, `/users/${carol.id}/drive/root/delta?token=latest`);
    assert.match(meStyle.body['@odata.deltaLink'], new RegExp(`/users/${carol.id}/drive/root/delta\\?token=`));

    await h.control('POST', `/tenants/${h.tenantId}/drives/${drive.id}/resync`, undefined, 204);
    const gone = await h.graph(writer, sinceLatest.deltaLink);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error.code, 'resyncChangesApplyDifferences');
    assert.equal(gone.headers.get('location'), `${h.sandbox.graph}/drives/${drive.id}/root/delta`);
    const forged = await h.graph(writer, `/drives/${drive.id}/root/delta?token=forged.token`);
    assert.equal(forged.status, 400);
    const otherDrive = await h.graph(
      writer,
      `/drives/${driveId}/root/delta?token=${new URL(sinceLatest.deltaLink).searchParams.get('token')}`,
    );
    assert.equal(otherDrive.status, 400, 'a token is bound to its drive');
  });

  test('permissions: a denial in the files words, the least and the higher permissions accepted', async () => {
    const denied = await h.graph(unrelated, `/users/${alice.id}/drive`);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'accessDenied');
    assert.equal(denied.body.error.message, 'Access denied');
    assert.equal((await h.graph(reader, `/drives/${driveId}/root/children`)).status, 200);
    const readOnly = await put(reader, `/drives/${driveId}/root:/ro.txt:/content`, 'x');
    assert.equal(readOnly.status, 403);
    assert.equal(readOnly.body.error.code, 'accessDenied');
    const readOnlyFolder = await h.graph(reader, `/drives/${driveId}/root/children`, {
      method: 'POST',
      body: { name: 'X', folder: {} },
    });
    assert.equal(readOnlyFolder.status, 403);
    const higher = await put(sitesWriter, `/drives/${driveId}/root:/by-sites.txt:/content`, 'sites');
    assert.equal(higher.status, 201, 'Sites.ReadWrite.All is a higher permission for uploads');
    assert.equal(higher.body.createdBy.application.displayName, 'App Sites.ReadWrite.All');
  });

  test('the root SharePoint site and its document library', async () => {
    const sites = sdkClient(sitesWriter);
    const site = await sites.api('/sites/root').get();
    assert.match(site.webUrl, /^https:\/\/[a-z0-9]+\.sharepoint\.com$/);
    assert.equal(site.siteCollection.hostname, new URL(site.webUrl).host);
    assert.equal((await sites.api(`/sites/${site.id}`).get()).id, site.id);
    const library = await sites.api(`/sites/${site.id}/drive`).get();
    assert.equal(library.driveType, 'documentLibrary');
    const drives = await sites.api(`/sites/${site.id}/drives`).get();
    assert.equal(drives.value[0].id, library.id);
    const policies = await sites.api(`/sites/${site.id}/drive/root:/Policies:/children`).get();
    assert.equal(policies.value[0].name, 'Employee Handbook.pdf');
    assert.equal(policies.value[0].parentReference.siteId, site.id);
    const filesOnly = await h.graph(writer, '/sites/root');
    assert.equal(filesOnly.status, 403, 'sites need Sites.Read.All');
  });

  test('a simple upload over 250 MB is refused with 413', async () => {
    const chunk = Buffer.alloc(1024 * KiB, 0x61);
    async function* body() {
      for (let i = 0; i < 250; i++) yield chunk;
      yield Buffer.from('!');
    }
    const res = await h.fetch(`${h.sandbox.graph}/drives/${driveId}/root:/huge.bin:/content`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/octet-stream' },
      body: body(),
      duplex: 'half',
    } as never);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as Json).error.code, 'requestTooLarge');
    assert.equal((await h.graph(writer, `/drives/${driveId}/root:/huge.bin`)).status, 404);
  });

  test('delegated: Files.Read reaches the signed-in user own drive only', async () => {
    const app = await h.createApp({
      displayName: 'Files Desktop',
      allowPublicClient: true,
      requiredPermissions: { delegated: ['Files.Read', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
    const result = await h.publicClient(app.appId).acquireTokenByUsernamePassword({
      scopes: ['Files.Read'],
      username: alice.userPrincipalName,
      password: alice.password,
    });
    const token = result!.accessToken;
    const me = await h.graph(token, '/me/drive');
    assert.equal(me.status, 200);
    assert.equal(me.body.id, driveId);
    const mine = await h.graph(token, '/me/drive/root:/Documents:/children');
    assert.equal(mine.body.value.length, 3);
    const other = await h.graph(token, `/users/${carol.id}/drive`);
    assert.equal(other.status, 403);
    assert.equal(other.body.error.code, 'accessDenied');
    const write = await put(token, '/me/drive/root:/nope.txt:/content', 'x');
    assert.equal(write.status, 403);
    const appOnMe = await h.graph(writer, '/me/drive');
    assert.equal(appOnMe.status, 400);
  });

  test('SharePoint resource units: lists cost 2, so a small budget runs out and answers 429', async () => {
    await h.control('PUT', '/throttling', { scale: 0.005 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await h.graph(reader, `/drives/${driveId}/root/children`)).status);
      assert.deepEqual(statuses, [200, 200, 200, 429], '6 units per minute: three listings of 2');
      const throttled = await h.graph(reader, `/drives/${driveId}/root/children`);
      assert.equal(throttled.body.error.code, 'TooManyRequests');
      assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    } finally {
      await h.control('PUT', '/throttling', { scale: 1 });
    }
  });

  test('changes reach driveItem subscriptions on the drive root, by drive ID and by owner', async () => {
    const received: Json[] = [];
    const server = createServer(
      { key: readFileSync(join(TEST_DATA_DIR, 'tls-key.pem')), cert: readFileSync(join(TEST_DATA_DIR, 'tls.pem')) },
      (req, res) => {
        const token = new URL(req.url ?? '/', 'https://localhost').searchParams.get('validationToken');
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('end', () => {
          if (token !== null) return res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
          received.push(...(JSON.parse(body) as { value: Json[] }).value);
          res.writeHead(202).end();
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://localhost:${(server.address() as { port: number }).port}/notify`;
      const subscribe = (resource: string, clientState: string) =>
        h.graph(writer, '/subscriptions', {
          method: 'POST',
          body: {
            changeType: 'updated',
            notificationUrl: url,
            resource,
            expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
            clientState,
          },
        });
      assert.equal((await subscribe(`/drives/${driveId}/root`, 'by-drive')).status, 201);
      assert.equal((await subscribe(`/users/${alice.id}/drive/root`, 'by-owner')).status, 201);
      await put(writer, `/drives/${driveId}/root:/notify-me.txt:/content`, 'ping');
      const deadline = Date.now() + 5_000;
      while (new Set(received.map((n) => n.clientState)).size < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.deepEqual([...new Set(received.map((n) => n.clientState))].sort(), ['by-drive', 'by-owner']);
      assert.ok(received.every((n) => n.changeType === 'updated'));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('expiry on the sandbox clock: download URLs after an hour, upload sessions, delta tokens after 30 days', async () => {
    const notes = await client.api(`/drives/${driveId}/root:/Notes.txt`).get();
    const session = await h.graph(writer, `/drives/${driveId}/root:/late.bin:/createUploadSession`, {
      method: 'POST',
      body: {},
    });
    const latest = await h.graph(writer, `/drives/${driveId}/root/delta?token=latest`);
    await h.control('POST', '/clock', { advanceSeconds: 2 * 3600 });
    try {
      const expired = await h.fetch(notes['@microsoft.graph.downloadUrl']);
      assert.equal(expired.status, 401);
      assert.equal((await h.fetch(session.body.uploadUrl)).status, 404);
      await h.control('POST', '/clock', { advanceSeconds: 31 * 86_400 });
      const fresh = (await h.appToken(['Files.Read.All'])).token;
      const gone = await h.graph(fresh, latest.body['@odata.deltaLink']);
      assert.equal(gone.status, 410);
      assert.equal(gone.body.error.code, 'resyncChangesApplyDifferences');
      const restart = await h.graph(fresh, gone.headers.get('location')!);
      assert.equal(restart.status, 200);
      assert.ok(restart.body.value.length > 0);
    } finally {
      await h.control('DELETE', '/clock');
    }
  });
});
