import { defineFeature, need } from '../feature.js';

/** Shared mailboxes a signed-in user (a service account) can open. */
export const mailShared = defineFeature({
  name: 'mail.shared',
  title: 'Mail: shared mailboxes the signed-in user can open',
  guide: 'reads the shared mailboxes the signed-in account has been given access to',
  permissions: {
    // Application permissions already reach every mailbox (narrowed by an application access policy).
    application: null,
    delegated: [
      need('Mail.Read.Shared', 'read shared mailboxes the signed-in user has access to', 'Mail.ReadWrite.Shared'),
    ],
  },
  graphRoutes: [],
  probes: [],
  notProbedBecause: 'which shared mailbox to open is not known until routes are configured',
});
