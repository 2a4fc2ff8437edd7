import { type EndpointPermissions, permissionRow } from '../permissions.js';

/**
 * Mail endpoints and the permissions Microsoft lists for each (least privileged first, then the higher ones).
 * Sources: message-get-permissions.md (ReadBasic.All / Read), user-list-messages.md and message-delta.md
 * (ReadBasic(.All), Read, ReadWrite), message-post-attachments.md (ReadWrite), user-sendmail.md (Send). Each
 * `/users/{id}` row also serves `/me` (delegated only). Another user's mailbox additionally needs a `.Shared`
 * delegated permission and Exchange rights (see access.ts and send.ts).
 */
const entry = (id: string, method: string, path: string, application: string[] | null, delegated: string[] | null) =>
  permissionRow('outlook', id, method, path, application, delegated);

const USER = '/users/{id or userPrincipalName}';
const READ_APP = ['Mail.ReadBasic.All', 'Mail.Read', 'Mail.ReadWrite'];
const READ_DELEGATED = ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'];
const READ_FULL = ['Mail.Read', 'Mail.ReadWrite'];
const WRITE = ['Mail.ReadWrite'];
const SEND = ['Mail.Send'];

export const MAIL_PERMISSIONS = {
  listMessages: entry('listMessages', 'GET', `${USER}/messages`, READ_APP, READ_DELEGATED),
  getMessage: entry('getMessage', 'GET', `${USER}/messages/{id}`, READ_APP, READ_DELEGATED),
  createMessage: entry('createMessage', 'POST', `${USER}/messages`, WRITE, WRITE),
  updateMessage: entry('updateMessage', 'PATCH', `${USER}/messages/{id}`, WRITE, WRITE),
  deleteMessage: entry('deleteMessage', 'DELETE', `${USER}/messages/{id}`, WRITE, WRITE),
  moveMessage: entry('moveMessage', 'POST', `${USER}/messages/{id}/move`, WRITE, WRITE),
  copyMessage: entry('copyMessage', 'POST', `${USER}/messages/{id}/copy`, WRITE, WRITE),
  listAttachments: entry('listAttachments', 'GET', `${USER}/messages/{id}/attachments`, READ_FULL, READ_FULL),
  getAttachment: entry('getAttachment', 'GET', `${USER}/messages/{id}/attachments/{id}`, READ_FULL, READ_FULL),
  addAttachment: entry('addAttachment', 'POST', `${USER}/messages/{id}/attachments`, WRITE, WRITE),
  deleteAttachment: entry('deleteAttachment', 'DELETE', `${USER}/messages/{id}/attachments/{id}`, WRITE, WRITE),
  listFolders: entry('listMailFolders', 'GET', `${USER}/mailFolders`, READ_APP, READ_DELEGATED),
  getFolder: entry('getMailFolder', 'GET', `${USER}/mailFolders/{id}`, READ_APP, READ_DELEGATED),
  listFolderMessages: entry('listFolderMessages', 'GET', `${USER}/mailFolders/{id}/messages`, READ_APP, READ_DELEGATED),
  messagesDelta: entry('messagesDelta', 'GET', `${USER}/mailFolders/{id}/messages/delta`, READ_APP, READ_DELEGATED),
  sendMail: entry('sendMail', 'POST', `${USER}/sendMail`, SEND, SEND),
  getMailboxSettings: entry(
    'getMailboxSettings',
    'GET',
    `${USER}/mailboxSettings`,
    ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
    ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  ),
  updateMailboxSettings: entry(
    'updateMailboxSettings',
    'PATCH',
    `${USER}/mailboxSettings`,
    ['MailboxSettings.ReadWrite'],
    ['MailboxSettings.ReadWrite'],
  ),
} satisfies Record<string, EndpointPermissions>;
