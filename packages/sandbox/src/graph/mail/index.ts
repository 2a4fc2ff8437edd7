import type { Workload } from '../workload.js';
import { registerMailControl } from './control.js';
import { registerFolderRoutes } from './folders.js';
import { registerMessageRoutes } from './messages.js';
import { MAIL_PERMISSIONS } from './permissions.js';
import { registerSendRoutes } from './send.js';
import { registerSettingsRoutes } from './settings.js';

/**
 * Outlook mail: messages, folders, attachments, per-folder delta, sendMail and mailbox settings, on lazily seeded
 * mailboxes; plus control-API hooks for inbound mail, shared mailboxes, mailbox rights and access policies.
 */
export const mailWorkload: Workload = {
  name: 'mail',
  routes(app, ctx) {
    registerMessageRoutes(app, ctx);
    registerFolderRoutes(app, ctx);
    registerSendRoutes(app, ctx);
    registerSettingsRoutes(app, ctx);
  },
  control: registerMailControl,
  permissions: Object.values(MAIL_PERMISSIONS),
};
