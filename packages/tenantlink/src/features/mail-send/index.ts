import { defineFeature, need } from '../feature.js';

const sendMail = need('Mail.Send', 'send mail as the mailbox');

/** Sending mail as a user or a shared mailbox. */
export const mailSend = defineFeature({
  name: 'mail.send',
  title: 'Mail: send',
  guide: 'sends mail on behalf of users or shared mailboxes',
  permissions: { application: [sendMail], delegated: [sendMail] },
  graphRoutes: [{ path: '{user}/sendMail', methods: ['POST'], permission: 'Mail.Send' }],
  probes: [],
  notProbedBecause: 'sending a message would deliver mail',
});
