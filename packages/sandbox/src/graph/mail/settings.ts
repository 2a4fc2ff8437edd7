import type { FastifyInstance } from 'fastify';
import type { GraphCall, GraphContext } from '../context.js';
import { badRequest } from '../errors.js';
import { mailRoute, openMailbox } from './access.js';
import { mailErrors } from './errors.js';
import type { MailboxSettings } from './mailbox.js';
import { MAIL_PERMISSIONS as P } from './permissions.js';

/** mailboxSettings properties a PATCH may set (userPurpose is read-only). */
const WRITABLE = [
  'archiveFolder',
  'automaticRepliesSetting',
  'dateFormat',
  'delegateMeetingMessageDeliveryOptions',
  'language',
  'timeFormat',
  'timeZone',
  'workingHours',
] as const;
type Writable = (typeof WRITABLE)[number];

const ENUMS: Record<string, { field: string; values: string[]; type: string }[]> = {
  automaticRepliesSetting: [
    { field: 'status', values: ['disabled', 'alwaysEnabled', 'scheduled'], type: 'automaticRepliesStatus' },
    { field: 'externalAudience', values: ['none', 'contactsOnly', 'all'], type: 'externalAudienceScope' },
  ],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function settingsContext(call: GraphCall, ownerId: string, suffix = ''): string {
  return `${call.origin}/v1.0/$metadata#users('${ownerId}')/mailboxSettings${suffix}`;
}

/** Applies one property of a PATCH: objects merge into the current value, enums are checked. */
function applySetting(settings: MailboxSettings, key: Writable, value: unknown): void {
  const current = settings[key] as unknown;
  if (isObject(current)) {
    if (!isObject(value)) throw mailErrors.invalidValue(key);
    for (const rule of ENUMS[key] ?? []) {
      const given = value[rule.field];
      if (given !== undefined && !rule.values.includes(String(given))) {
        throw badRequest(
          `Cannot convert the literal '${String(given)}' to the expected type 'microsoft.graph.${rule.type}'.`,
          'BadRequest',
        );
      }
    }
    Object.assign(settings, { [key]: { ...current, ...structuredClone(value) } });
    return;
  }
  if (typeof value !== 'string') throw mailErrors.invalidValue(key);
  Object.assign(settings, { [key]: value });
}

export function registerSettingsRoutes(app: FastifyInstance, ctx: GraphContext): void {
  mailRoute(app, ctx, {
    method: 'GET',
    paths: ['/mailboxSettings'],
    permissions: P.getMailboxSettings,
    handler: (call) => {
      const { owner, mailbox } = openMailbox(call, 'none');
      return { '@odata.context': settingsContext(call, owner.id), ...structuredClone(mailbox.settings) };
    },
  });

  mailRoute(app, ctx, {
    method: 'GET',
    paths: ['/mailboxSettings/:property'],
    permissions: P.getMailboxSettings,
    handler: (call) => {
      const { owner, mailbox } = openMailbox(call, 'none');
      const name = call.params.property!;
      const key = Object.keys(mailbox.settings).find((k) => k.toLowerCase() === name.toLowerCase());
      if (!key) throw mailErrors.unknownProperty(name, 'MailboxSettings');
      const value = mailbox.settings[key as keyof MailboxSettings];
      const context = settingsContext(call, owner.id, `/${key}`);
      return isObject(value)
        ? { '@odata.context': context, ...structuredClone(value) }
        : { '@odata.context': context, value };
    },
  });

  mailRoute(app, ctx, {
    method: 'PATCH',
    paths: ['/mailboxSettings'],
    permissions: P.updateMailboxSettings,
    handler: (call) => {
      const { owner, mailbox } = openMailbox(call, 'none');
      if (!isObject(call.body)) throw badRequest('Empty Payload. JSON content expected.', 'BadRequest');
      const patch = call.body;
      for (const key of Object.keys(patch)) {
        if (key.startsWith('@odata.')) continue;
        if (!WRITABLE.includes(key as Writable)) throw mailErrors.unknownBodyProperty(key, 'mailboxSettings');
      }
      const next = structuredClone(mailbox.settings);
      for (const key of WRITABLE) if (key in patch) applySetting(next, key, patch[key]);
      mailbox.settings = next;
      // Graph answers with the properties it changed.
      const changed = Object.fromEntries(WRITABLE.filter((k) => k in patch).map((k) => [k, next[k]]));
      return { '@odata.context': settingsContext(call, owner.id), ...changed };
    },
  });
}
