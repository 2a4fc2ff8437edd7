/**
 * The baseline: a directory import written as a user would with the official Microsoft Graph SDK for JavaScript —
 * PageIterator over /users and /groups, then /groups/{id}/members for each group, no $select, the default page size,
 * each page stored in SQLite as it comes. Without delta, a later import reads everything again.
 * Runs in its own process; trusts the sandbox CA through NODE_EXTRA_CA_CERTS as a user's process would.
 * Args: <state file> <app id> <secret file> <db file>. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { PageIterator } from '@microsoft/microsoft-graph-client';
import Database from 'better-sqlite3';
import { sdkClient } from '../sdk-client.js';
import { readState } from './sandbox-process.js';

// biome-ignore lint/suspicious/noExplicitAny: Graph JSON, stored as it comes.
type GraphObject = any;

const [stateFile, appId, secretFile, dbFile] = process.argv.slice(2) as [string, string, string, string];
const state = readState(stateFile);
const client = sdkClient(state, appId, readFileSync(secretFile, 'utf8').trim());

const db = new Database(dbFile);
db.pragma('journal_mode = WAL');
db.exec(`create table if not exists users (id text primary key, data text not null);
  create table if not exists groups (id text primary key, data text not null);
  create table if not exists memberships (group_id text not null, member_id text not null, primary key (group_id, member_id));`);
const putUser = db.prepare('insert or replace into users (id, data) values (?, ?)');
const putGroup = db.prepare('insert or replace into groups (id, data) values (?, ?)');
const putMember = db.prepare('insert or replace into memberships (group_id, member_id) values (?, ?)');
const storeAll = db.transaction((rows: GraphObject[], put: (row: GraphObject) => void) => {
  for (const row of rows) put(row);
});

/** Pages through a collection with the SDK's PageIterator, storing each page as it arrives. */
async function importAll(path: string, put: (row: GraphObject) => void): Promise<number> {
  let buffer: GraphObject[] = [];
  let count = 0;
  const first = await client.api(path).get();
  const iterator = new PageIterator(client, first, (item: GraphObject) => {
    buffer.push(item);
    count++;
    if (buffer.length >= 500) {
      storeAll(buffer, put);
      buffer = [];
    }
    return true;
  });
  await iterator.iterate();
  storeAll(buffer, put);
  return count;
}

const started = performance.now();
db.exec('delete from users; delete from groups; delete from memberships;');
const users = await importAll('/users', (u) => putUser.run(u.id, JSON.stringify(u)));
const groupIds: string[] = [];
const groups = await importAll('/groups', (g) => {
  putGroup.run(g.id, JSON.stringify(g));
  groupIds.push(g.id);
});
let memberships = 0;
const largeGroupPages: number[] = [];
for (const id of groupIds) {
  const members = await importAll(`/groups/${id}/members`, (m) => putMember.run(id, m.id));
  memberships += members;
  if (members > 20) largeGroupPages.push(Math.ceil(members / 999));
}
const wallMs = performance.now() - started;
db.close();
// The fewest round trips a full import could take: users and groups at 999 a page, groups' first 20 members
// inline ($expand caps at 20), the rest of larger groups' members at 999 a page sent 20 to a $batch, and one
// `$deltatoken=latest` link per collection so later imports read only changes.
const minimumRoundTrips =
  Math.ceil(users / 999) + Math.ceil(groups / 999) + Math.ceil(largeGroupPages.reduce((a, b) => a + b, 0) / 20) + 2;
console.log(
  JSON.stringify({
    users,
    groups,
    memberships,
    wallMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    minimumRoundTrips,
  }),
);
