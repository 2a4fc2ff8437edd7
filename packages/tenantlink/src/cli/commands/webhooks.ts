import { allDatasets } from '../../features/index.js';
import { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { MAX_KEEP_PREVIOUS_HOURS, WebhookEndpoints, type WebhookEndpointView } from '../../webhooks/endpoints.js';
import type { Cli, CliContext } from '../context.js';
import { print, UsageError } from '../io.js';
import { count } from '../plural.js';

const endpointsOf = (ctx: CliContext) =>
  new WebhookEndpoints({
    store: ctx.store,
    vault: ctx.service.vault,
    connections: ctx.service,
    models: allDatasets().flatMap((d) => d.models),
    outbound: ctx.outbound,
  });

function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
}

function parseCount(value: string | undefined, option: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`${option} must be a whole number from 0 to ${max}.`);
  return n;
}

function describe(e: WebhookEndpointView): string[] {
  return [
    `${e.id}\t${e.status}\t${e.url}\t${e.connectionId ?? 'all connections'}\t${e.models?.join(',') ?? 'all models'}${e.description ? `\t${e.description}` : ''}`,
    ...(e.previousSecretExpiresAt ? [`  also signed with the previous secret until ${e.previousSecretExpiresAt}`] : []),
    ...e.cursors.map(
      (c) =>
        `  ${c.connectionId}: delivered to ${c.lastSeq} of ${c.feedLastSeq}` +
        (c.failing ? `, FAILING (${count(c.attempts, 'attempt')}, ${c.lastError})` : '') +
        (!c.failing && c.attempts > 0
          ? `, retrying (${count(c.attempts, 'attempt')} failed, next at ${c.nextAttemptAt}: ${c.lastError})`
          : ''),
    ),
  ];
}

/** `tenantlink webhooks add|list|show|enable|disable|rotate-secret|ping|remove|deliveries|replay`. */
export function registerWebhookCommands({ program, withContext, failed, hint }: Cli): void {
  const webhooks = program
    .command('webhooks')
    .description('outbound webhooks: signed POSTs of every committed batch of the change feed to your product');

  webhooks
    .command('add')
    .description('add a webhook endpoint and print its signing secret (only now)')
    .requiredOption('--url <url>', 'https:// URL of your product (http://localhost while developing)')
    .option('--connection <connection>', 'only this connection (name or id); default every connection')
    .option('--models <list>', 'only these models, comma-separated (users, groups, memberships); default all')
    .option('--description <text>', 'what the endpoint is for')
    .option('--disabled', 'add it switched off')
    .action(
      withContext(async (ctx, opts) => {
        const models = parseList(opts.models);
        const { endpoint, secret } = await endpointsOf(ctx).add({
          url: opts.url,
          ...(opts.connection ? { connection: opts.connection } : {}),
          ...(models ? { models } : {}),
          ...(opts.description ? { description: opts.description } : {}),
          enabled: opts.disabled !== true,
        });
        print(ctx.output, { webhook: endpoint, secret }, () => [
          secret,
          `Webhook ${endpoint.id} added for ${endpoint.connectionId ?? 'every connection'}. The secret above is shown only now:`,
          'verify each request\u2019s tenantlink-signature with it (verifyWebhookSignature in @tenantlink/tenantlink).',
          `A running \`${hint('serve')}\` delivers the feed from its beginning, then every new change.`,
        ]);
      }),
    );

  webhooks
    .command('list')
    .description('list webhook endpoints and how far each connection was delivered (never their secrets)')
    .action(
      withContext(async (ctx) => {
        const list = await endpointsOf(ctx).list();
        print(ctx.output, { webhooks: list }, () =>
          list.length === 0
            ? [`No webhooks yet. Add one with: ${hint('webhooks add --url <url>')}`]
            : list.flatMap(describe),
        );
      }),
    );

  webhooks
    .command('show <id>')
    .description('show a webhook endpoint and its cursors')
    .action(
      withContext(async (ctx, id) => {
        const endpoint = await endpointsOf(ctx).show(id);
        print(ctx.output, { webhook: endpoint }, () => describe(endpoint));
      }),
    );

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    webhooks
      .command(`${name} <id>`)
      .description(
        enabled ? 'switch a webhook endpoint on (it catches up)' : 'switch a webhook endpoint off (its cursors stay)',
      )
      .action(
        withContext(async (ctx, id) => {
          const endpoint = await endpointsOf(ctx).update(id, { enabled });
          print(ctx.output, { webhook: endpoint }, () => [
            `Webhook ${endpoint.id} ${enabled ? 'enabled' : 'disabled'}.`,
          ]);
        }),
      );
  }

  webhooks
    .command('rotate-secret <id>')
    .description('make a new signing secret and print it (only now); the old one still signs for a while')
    .option(
      '--keep-previous-hours <hours>',
      `how long deliveries are also signed with the old secret, 0 to ${MAX_KEEP_PREVIOUS_HOURS}`,
      '24',
    )
    .action(
      withContext(async (ctx, id, opts) => {
        const hours = Number(opts.keepPreviousHours);
        if (!/^\d+$/.test(opts.keepPreviousHours) || hours > MAX_KEEP_PREVIOUS_HOURS)
          throw new UsageError(`--keep-previous-hours takes a whole number from 0 to ${MAX_KEEP_PREVIOUS_HOURS}.`);
        const { endpoint, secret } = await endpointsOf(ctx).rotateSecret(id, { keepPreviousHours: hours });
        print(ctx.output, { webhook: endpoint, secret }, () => [
          secret,
          `Webhook ${endpoint.id} has a new signing secret, shown above only now.`,
          endpoint.previousSecretExpiresAt
            ? `Until ${endpoint.previousSecretExpiresAt}, each delivery is signed with the old secret as well: switch your receiver to the new one before then.`
            : 'The old secret no longer signs: switch your receiver to the new one now.',
        ]);
      }),
    );

  webhooks
    .command('ping <id>')
    .description('send the endpoint a signed test event now and say how it answered (not logged or retried)')
    .action(
      withContext(async (ctx, id) => {
        const dispatcher = new WebhookDispatcher({
          store: ctx.store,
          vault: ctx.service.vault,
          outbound: ctx.outbound,
        });
        const { failure: _failure, ...outcome } = await dispatcher.ping(id);
        if (!outcome.ok) failed();
        // The operator at the terminal sees the receiver's status or network error; the API answers only a class.
        print(ctx.output, outcome, () => [
          outcome.ok
            ? `The endpoint answered ${outcome.statusCode} in ${outcome.durationMs} ms.`
            : `The test event failed: ${outcome.error} (after ${outcome.durationMs} ms).`,
        ]);
      }),
    );

  webhooks
    .command('remove <id>')
    .description('remove a webhook endpoint with its cursors and delivery log')
    .action(
      withContext(async (ctx, id) => {
        const removed = await endpointsOf(ctx).remove(id);
        print(ctx.output, { removed }, () => [`Removed webhook ${removed.id} (${removed.url}).`]);
      }),
    );

  webhooks
    .command('deliveries <id>')
    .description('the delivery log of a webhook endpoint, newest first')
    .option('--connection <connection>', 'only this connection (name or id)')
    .option('--limit <n>', 'at most this many attempts (1-500)', '20')
    .action(
      withContext(async (ctx, id, opts) => {
        const limit = parseCount(opts.limit, '--limit', 500);
        if (!limit) throw new UsageError('--limit must be 1-500.');
        const deliveries = await endpointsOf(ctx).deliveries(id, {
          limit,
          ...(opts.connection ? { connection: opts.connection } : {}),
        });
        print(ctx.output, { deliveries }, () =>
          deliveries.length === 0
            ? ['No deliveries yet.']
            : deliveries.map(
                (d) =>
                  `${d.attemptedAt}\t${d.status}\t${d.statusCode ?? '-'}\tseq ${d.fromSeq}-${d.toSeq} (${d.entries})\tattempt ${d.attempt}\t${d.durationMs} ms` +
                  (d.error ? `\t${d.error}` : '') +
                  (d.nextAttemptAt ? `\tnext ${d.nextAttemptAt}` : ''),
              ),
        );
      }),
    );

  webhooks
    .command('replay <id>')
    .description('deliver a connection\u2019s feed again after a sequence number (without --since: retry now)')
    .requiredOption('--connection <connection>', 'the connection (name or id)')
    .option('--since <sequence>', 'deliver every change after this sequence number (0: everything)')
    .action(
      withContext(async (ctx, id, opts) => {
        const since = parseCount(opts.since, '--since');
        const cursor = await endpointsOf(ctx).replay(id, {
          connection: opts.connection,
          ...(since !== undefined ? { since } : {}),
        });
        print(ctx.output, { cursor }, () => [
          `Webhook ${id} will receive '${opts.connection}' from sequence ${cursor.lastSeq + 1} (the feed is at ${cursor.feedLastSeq}).`,
          `A running \`${hint('serve')}\` delivers it within a few seconds.`,
        ]);
      }),
    );
}
