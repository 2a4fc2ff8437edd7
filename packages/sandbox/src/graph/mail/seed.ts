import { createHash } from 'node:crypto';
import { base, en, Faker } from '@faker-js/faker';
import type { Tenant, User } from '../../tenant/model.js';
import { composeMessage, escapeHtml, htmlDocument, makeAttachment, recipient } from './compose.js';
import { folderByName, insertMessage, type Mailbox, type Recipient } from './mailbox.js';

/** Messages a new mailbox starts with, and where they sit. */
const SEED_LAYOUT: readonly { folder: string; count: number }[] = [
  { folder: 'inbox', count: 14 },
  { folder: 'sentitems', count: 3 },
  { folder: 'archive', count: 1 },
  { folder: 'deleteditems', count: 1 },
  { folder: 'drafts', count: 1 },
];
const SEED_WINDOW_MS = 60 * 86_400_000;
const EXTERNAL_DOMAINS = ['fabrikam.com', 'northwindtraders.com', 'adatum.com', 'litwareinc.com', 'tailspintoys.com'];
const CATEGORIES = ['Red category', 'Blue category', 'Green category', 'Yellow category'];

function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** Up to 40 colleagues with mailboxes, taken from the start of the directory (never a scan of a large tenant). */
function colleaguesOf(tenant: Tenant, user: User): User[] {
  const found: User[] = [];
  const manager = user.managerId ? tenant.users.get(user.managerId) : undefined;
  if (manager?.mail && manager.mailboxEnabled) found.push(manager);
  for (const other of tenant.users.values()) {
    if (found.length >= 40) break;
    if (other.id !== user.id && other.id !== manager?.id && other.mail && other.mailboxEnabled) found.push(other);
  }
  return found;
}

const asRecipient = (u: User): Recipient => recipient(u.mail ?? u.userPrincipalName, u.displayName);

function subjectLine(f: Faker): string {
  const templates = [
    () => `${f.company.buzzPhrase()} – next steps`,
    () => `Re: ${f.commerce.productName()} rollout`,
    () => `Invoice ${f.string.numeric(6)} for ${f.date.month()}`,
    () => `Agenda for ${f.date.weekday()}'s ${f.word.noun()} review`,
    () => `FW: ${f.hacker.phrase().replace(/[.!]$/, '')}`,
    () => `Quick question about ${f.word.noun()} ${f.word.noun()}`,
  ];
  return f.helpers.arrayElement(templates)();
}

function htmlBody(f: Faker, greeting: string, signature: string): string {
  const paragraphs = f.lorem.paragraphs({ min: 1, max: 3 }, '\n').split('\n');
  const inner = [
    `<p>Hi ${escapeHtml(greeting)},</p>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p>Thanks,<br>${escapeHtml(signature)}</p>`,
  ].join('');
  return htmlDocument(`<div>${inner}</div>`);
}

/**
 * Fills a new mailbox deterministically (same tenant and user, same mail): messages from colleagues and outside
 * senders over the last 60 days of the sandbox clock, a few sent items, a draft, some attachments and categories.
 */
export function seedMailbox(tenant: Tenant, user: User, mailbox: Mailbox, nowMs: number): void {
  const f = new Faker({ locale: [en, base] });
  f.seed(seedOf(`${tenant.id}/${user.id}/mail`));
  const me = asRecipient(user);
  const colleagues = colleaguesOf(tenant, user).map(asRecipient);
  const outsider = (): Recipient => {
    const first = f.person.firstName();
    const last = f.person.lastName();
    const domain = f.helpers.arrayElement(EXTERNAL_DOMAINS);
    return recipient(`${first}.${last}@${domain}`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''), `${first} ${last}`);
  };
  const someone = () =>
    colleagues.length > 0 && f.datatype.boolean(0.6) ? f.helpers.arrayElement(colleagues) : outsider();

  const planned: { folder: string; receivedMs: number }[] = [];
  for (const { folder, count } of SEED_LAYOUT) {
    for (let i = 0; i < count; i++) {
      planned.push({ folder, receivedMs: nowMs - f.number.int({ min: 3_600_000, max: SEED_WINDOW_MS }) });
    }
  }
  // Oldest first, so the change sequence follows arrival order.
  planned.sort((a, b) => a.receivedMs - b.receivedMs);
  planned.forEach(({ folder, receivedMs }, index) => {
    const seed = `${tenant.id}/${user.id}/seed/${index}`;
    const outgoing = folder === 'sentitems' || folder === 'drafts';
    const from = outgoing ? me : someone();
    const to = outgoing ? [someone()] : [me];
    const cc = f.datatype.boolean(0.3) && colleagues.length > 0 ? [f.helpers.arrayElement(colleagues)] : [];
    const attachments = f.datatype.boolean(0.2)
      ? [
          makeAttachment(
            {
              name: `${f.system.fileName({ extensionCount: 0 })}.txt`,
              contentType: 'text/plain',
              contentBytes: Buffer.from(f.lorem.sentences(3)).toString('base64'),
            },
            receivedMs,
            seed,
          ),
        ]
      : [];
    const message = composeMessage({
      seed,
      folderId: folderByName(mailbox, folder).id,
      subject: subjectLine(f),
      body: {
        contentType: 'html',
        content: htmlBody(f, to[0]!.emailAddress.name.split(' ')[0] ?? 'there', from.emailAddress.name),
      },
      from: folder === 'drafts' ? null : from,
      toRecipients: to,
      ccRecipients: cc,
      receivedMs,
      sentMs: folder === 'drafts' ? null : receivedMs - f.number.int({ min: 1_000, max: 60_000 }),
      isRead: outgoing || f.datatype.boolean(0.6),
      isDraft: folder === 'drafts',
      importance: f.helpers.weightedArrayElement([
        { weight: 8, value: 'normal' as const },
        { weight: 1, value: 'high' as const },
        { weight: 1, value: 'low' as const },
      ]),
      categories: f.datatype.boolean(0.15) ? [f.helpers.arrayElement(CATEGORIES)] : [],
      attachments,
    });
    insertMessage(mailbox, message);
  });
}
