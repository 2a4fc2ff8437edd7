import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Group, User } from '../../tenant/model.js';
import { newUser } from '../../tenant/new-user.js';
import type { GraphContext } from '../context.js';
import { ControlError, controlLookups } from '../control-api.js';
import {
  grantMailboxRights,
  listMailboxRights,
  MAILBOX_RIGHTS,
  type MailboxRight,
  revokeMailboxRights,
} from '../outlook/mail-rights.js';
import { type ApplicationAccessPolicy, accessPolicies } from '../outlook/mailbox.js';
import { composeMessage, makeAttachment, recipient } from './compose.js';
import { etagOf, messageJson } from './json.js';
import { folderByName, insertMessage, publishMessage, type Recipient } from './mailbox.js';
import { mailboxOf, markShared } from './store.js';

const address = { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' } as const;
const emailAddress = {
  type: 'object',
  required: ['address'],
  additionalProperties: false,
  properties: { name: { type: 'string' }, address },
} as const;
/** A recipient as an address string or Graph's `{emailAddress: {address, name}}`. */
const recipientList = {
  type: 'array',
  items: {
    anyOf: [address, { type: 'object', required: ['emailAddress'], properties: { emailAddress } }],
  },
} as const;

interface InboundMail {
  from: { name?: string; address: string };
  subject: string;
  body?: string | { contentType: 'text' | 'html'; content: string };
  toRecipients?: (string | { emailAddress: { address: string; name?: string } })[];
  ccRecipients?: (string | { emailAddress: { address: string; name?: string } })[];
  receivedDateTime?: string;
  importance?: 'low' | 'normal' | 'high';
  attachments?: { name: string; contentType?: string; contentBytes: string }[];
}

const toRecipient = (r: string | { emailAddress: { address: string; name?: string } }): Recipient =>
  typeof r === 'string' ? recipient(r) : recipient(r.emailAddress.address, r.emailAddress.name);

const rightsBody = {
  type: 'object',
  required: ['mailbox', 'user', 'rights'],
  additionalProperties: false,
  properties: {
    mailbox: { type: 'string', minLength: 1 },
    user: { type: 'string', minLength: 1 },
    rights: { type: 'array', minItems: 1, items: { type: 'string', enum: [...MAILBOX_RIGHTS] } },
  },
} as const;

/** Mail additions to the control API: inbound mail, shared mailboxes, mailbox rights, application access policies. */
export function registerMailControl(control: FastifyInstance, ctx: GraphContext): void {
  const { tenantOf, userOf } = controlLookups(ctx.directory);

  control.post<{ Params: { tid: string; user: string }; Body: InboundMail }>(
    '/tenants/:tid/users/:user/inbox',
    {
      schema: {
        body: {
          type: 'object',
          required: ['from', 'subject'],
          additionalProperties: false,
          properties: {
            from: emailAddress,
            subject: { type: 'string' },
            body: {
              anyOf: [
                { type: 'string' },
                {
                  type: 'object',
                  required: ['content'],
                  properties: { contentType: { type: 'string', enum: ['text', 'html'] }, content: { type: 'string' } },
                },
              ],
            },
            toRecipients: recipientList,
            ccRecipients: recipientList,
            receivedDateTime: { type: 'string', format: 'date-time' },
            importance: { type: 'string', enum: ['low', 'normal', 'high'] },
            attachments: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'contentBytes'],
                additionalProperties: false,
                properties: {
                  name: { type: 'string', minLength: 1 },
                  contentType: { type: 'string' },
                  contentBytes: { type: 'string', pattern: '^[A-Za-z0-9+/=\\s]*$' },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request.params.tid);
      const user = userOf(tenant, request.params.user);
      if (!user.mailboxEnabled) {
        throw new ControlError(409, 'MailboxNotEnabled', `${user.userPrincipalName} has no mailbox`);
      }
      const nowMs = ctx.clock.now();
      const mailbox = mailboxOf(tenant, user, nowMs);
      const mail = request.body;
      const receivedMs = mail.receivedDateTime ? Date.parse(mail.receivedDateTime) : nowMs;
      const body =
        typeof mail.body === 'object' ? mail.body : { contentType: 'text' as const, content: mail.body ?? '' };
      const message = composeMessage({
        folderId: folderByName(mailbox, 'inbox').id,
        subject: mail.subject,
        body: { contentType: body.contentType ?? 'text', content: body.content },
        from: recipient(mail.from.address, mail.from.name),
        toRecipients: (mail.toRecipients ?? [user.mail ?? user.userPrincipalName]).map(toRecipient),
        ccRecipients: (mail.ccRecipients ?? []).map(toRecipient),
        receivedMs,
        sentMs: receivedMs - 2_000,
        isRead: false,
        isDraft: false,
        importance: mail.importance ?? 'normal',
        attachments: (mail.attachments ?? []).map((a) => makeAttachment(a, nowMs)),
      });
      insertMessage(mailbox, message);
      publishMessage(ctx.events, tenant, user.id, message.id, 'created');
      const json = messageJson(message, { basicOnly: false, bodyType: 'html' });
      return reply.code(201).send({ '@odata.etag': etagOf(message), ...json });
    },
  );

  // Outlook keeps sync states in a cache with no fixed lifetime; this drops them, as an eviction would.
  control.post<{ Params: { tid: string; user: string } }>(
    '/tenants/:tid/users/:user/mailbox/expireSyncStates',
    async (request) => {
      const tenant = tenantOf(request.params.tid);
      const user = userOf(tenant, request.params.user);
      if (!user.mailboxEnabled) {
        throw new ControlError(409, 'MailboxNotEnabled', `${user.userPrincipalName} has no mailbox`);
      }
      const mailbox = mailboxOf(tenant, user, ctx.clock.now());
      // Tokens up to now are gone; a round started after this one still works.
      mailbox.seq += 1;
      mailbox.syncFloor = mailbox.seq;
      return { syncFloor: mailbox.syncFloor };
    },
  );

  control.post<{ Params: { tid: string }; Body: { displayName: string; mailNickname: string } }>(
    '/tenants/:tid/sharedMailboxes',
    {
      schema: {
        body: {
          type: 'object',
          required: ['displayName', 'mailNickname'],
          additionalProperties: false,
          properties: {
            displayName: { type: 'string', minLength: 1, maxLength: 256 },
            mailNickname: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request.params.tid);
      const upn = `${request.body.mailNickname}@${tenant.defaultDomain}`.toLowerCase();
      if (ctx.directory.findUser(tenant, upn)) throw new ControlError(409, 'Conflict', `${upn} already exists`);
      const user = sharedMailboxUser(
        request.body.displayName,
        request.body.mailNickname,
        upn,
        tenant.displayName,
        ctx.clock.iso(),
      );
      markShared(tenant, user.id);
      ctx.directory.writes.addUser(tenant, user);
      return reply.code(201).send({ id: user.id, userPrincipalName: user.userPrincipalName, mail: user.mail });
    },
  );

  const grantOf = (tid: string, body: { mailbox: string; user: string }) => {
    const tenant = tenantOf(tid);
    const mailbox = userOf(tenant, body.mailbox);
    const user = userOf(tenant, body.user);
    if (!mailbox.mailboxEnabled)
      throw new ControlError(409, 'MailboxNotEnabled', `${mailbox.userPrincipalName} has no mailbox`);
    return { tenant, mailbox, user };
  };
  const rightsView = (tid: string, mailboxId: string, userId: string) => {
    const row = listMailboxRights(tenantOf(tid)).find((r) => r.mailbox === mailboxId && r.user === userId);
    return { mailbox: mailboxId, user: userId, rights: row?.rights ?? [] };
  };

  control.get<{ Params: { tid: string } }>('/tenants/:tid/mailboxPermissions', async (request) =>
    listMailboxRights(tenantOf(request.params.tid)),
  );
  control.post<{ Params: { tid: string }; Body: { mailbox: string; user: string; rights: MailboxRight[] } }>(
    '/tenants/:tid/mailboxPermissions',
    { schema: { body: rightsBody } },
    async (request, reply) => {
      const { tenant, mailbox, user } = grantOf(request.params.tid, request.body);
      grantMailboxRights(tenant, mailbox.id, user.id, request.body.rights);
      return reply.code(201).send(rightsView(request.params.tid, mailbox.id, user.id));
    },
  );
  control.delete<{ Params: { tid: string }; Body: { mailbox: string; user: string; rights: MailboxRight[] } }>(
    '/tenants/:tid/mailboxPermissions',
    { schema: { body: rightsBody } },
    async (request) => {
      const { tenant, mailbox, user } = grantOf(request.params.tid, request.body);
      revokeMailboxRights(tenant, mailbox.id, user.id, request.body.rights);
      return rightsView(request.params.tid, mailbox.id, user.id);
    },
  );

  control.get<{ Params: { tid: string } }>('/tenants/:tid/applicationAccessPolicies', async (request) =>
    accessPolicies(tenantOf(request.params.tid)),
  );
  control.post<{ Params: { tid: string }; Body: ApplicationAccessPolicy }>(
    '/tenants/:tid/applicationAccessPolicies',
    {
      schema: {
        body: {
          type: 'object',
          required: ['appId', 'scopeGroupId', 'accessRight'],
          additionalProperties: false,
          properties: {
            appId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
            scopeGroupId: { type: 'string', minLength: 1 },
            accessRight: { type: 'string', enum: ['RestrictAccess', 'DenyAccess'] },
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request.params.tid);
      const group = ctx.directory.findGroup(tenant, request.body.scopeGroupId);
      if (!group) throw new ControlError(404, 'NotFound', `group '${request.body.scopeGroupId}' does not exist`);
      if (!isMailEnabledSecurityGroup(group)) {
        throw new ControlError(
          400,
          'BadRequest',
          `'${group.displayName}' is not a mail-enabled security group: an application access policy needs one as its scope`,
        );
      }
      const policy: ApplicationAccessPolicy = {
        appId: request.body.appId.toLowerCase(),
        scopeGroupId: group.id,
        accessRight: request.body.accessRight,
      };
      accessPolicies(tenant).push(policy);
      return reply.code(201).send(policy);
    },
  );
  control.delete<{ Params: { tid: string } }>('/tenants/:tid/applicationAccessPolicies', async (request, reply) => {
    accessPolicies(tenantOf(request.params.tid)).length = 0;
    return reply.code(204).send();
  });

  // Graph cannot create mail-enabled security groups (Exchange's New-DistributionGroup -Type Security does).
  control.post<{ Params: { tid: string }; Body: { displayName: string; mailNickname: string; members?: string[] } }>(
    '/tenants/:tid/mailEnabledSecurityGroups',
    {
      schema: {
        body: {
          type: 'object',
          required: ['displayName', 'mailNickname'],
          additionalProperties: false,
          properties: {
            displayName: { type: 'string', minLength: 1, maxLength: 256 },
            mailNickname: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
            members: { type: 'array', items: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request.params.tid);
      const members = (request.body.members ?? []).map((m) => userOf(tenant, m).id);
      const group: Group = {
        id: randomUUID(),
        displayName: request.body.displayName,
        description: null,
        mailNickname: request.body.mailNickname,
        mail: `${request.body.mailNickname}@${tenant.defaultDomain}`.toLowerCase(),
        mailEnabled: true,
        securityEnabled: true,
        groupTypes: [],
        visibility: null,
        createdDateTime: ctx.clock.iso(),
        memberIds: [...new Set(members)],
        ownerIds: [],
      };
      ctx.directory.writes.addGroup(tenant, group);
      return reply
        .code(201)
        .send({ id: group.id, displayName: group.displayName, mail: group.mail, memberIds: group.memberIds });
    },
  );
}

function isMailEnabledSecurityGroup(group: Group): boolean {
  return group.mailEnabled && group.securityEnabled && !group.groupTypes.includes('Unified');
}

/** A shared mailbox is a disabled, unlicensed user account with a mailbox. */
function sharedMailboxUser(displayName: string, nickname: string, upn: string, company: string, now: string): User {
  return newUser(now, {
    userPrincipalName: upn,
    displayName,
    mailNickname: nickname,
    companyName: company,
    accountEnabled: false,
    password: `Shared-${randomUUID()}!`,
    oneDriveProvisioned: false,
  });
}
