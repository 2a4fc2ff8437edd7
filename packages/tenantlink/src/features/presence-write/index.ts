import { defineFeature, need } from '../feature.js';

/** Setting a user's presence and status message. */
export const presenceWrite = defineFeature({
  name: 'presence.write',
  title: 'Presence: set',
  guide: "sets people's Teams presence and status message",
  permissions: {
    application: [need('Presence.ReadWrite.All', "set a user's presence and status message")],
    delegated: [need('Presence.ReadWrite', "set the signed-in user's presence and status message")],
  },
  graphRoutes: [
    { path: '{user}/presence/setPresence', methods: ['POST'], permission: 'Presence.ReadWrite.All' },
    { path: '{user}/presence/setStatusMessage', methods: ['POST'], permission: 'Presence.ReadWrite.All' },
    { path: '{user}/presence/clearPresence', methods: ['POST'], permission: 'Presence.ReadWrite.All' },
  ],
  probes: [],
  notProbedBecause: "setting presence would change a person's status in Teams",
});
