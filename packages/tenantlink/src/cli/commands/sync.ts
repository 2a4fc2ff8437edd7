import cliProgress from 'cli-progress';
import { allDatasets } from '../../features/index.js';
import type { FeedEntry } from '../../store/records-repository.js';
import { ALL_MODELS, type SyncRunView, SyncService } from '../../sync/service.js';
import type { Cli } from '../context.js';
import { requireDemoSandbox } from '../demo-sandbox.js';
import { type Output, print, UsageError } from '../io.js';
import { feedRetentionDays } from '../options/feed-retention.js';
import { count } from '../plural.js';

/** `tenantlink sync <connection> directory [--full]` and `tenantlink records <connection> <model> [--since N]`. */
export function registerSyncCommands({ program, io, withContext, hint }: Cli): void {
  const datasets = allDatasets();
  const models = [...datasets.flatMap((d) => d.models), ALL_MODELS];

  program
    .command('sync <connection> <dataset>')
    .description(
      `sync a connection's ${datasets.map((d) => d.name).join(', ')} now: a full read the first time, then only what changed`,
    )
    .option('--full', 'read everything again; records no longer in the tenant are deleted')
    .action(
      withContext(async (ctx, connection, dataset, opts) => {
        // The retention the server also uses, so that a CLI run prunes no more than it.
        const retention = feedRetentionDays(io.env.TENANTLINK_FEED_RETENTION_DAYS);
        const sync = new SyncService({
          store: ctx.store,
          connections: ctx.service,
          datasets,
          ...(retention === undefined ? {} : { feedRetentionDays: retention }),
        });
        sync.dataset(dataset);
        await requireDemoSandbox(ctx.service, connection, ctx.sandbox ?? ctx.demoSandbox, hint);
        const display = progressDisplay(dataset, ctx.output);
        // Ctrl-C stops at the next page: the run is recorded as interrupted, the next one resumes.
        const stop = new AbortController();
        const onSigint = () => stop.abort();
        process.once('SIGINT', onSigint);
        let run: SyncRunView;
        try {
          run = await sync.run(connection, dataset, {
            full: opts.full === true,
            trigger: 'cli',
            signal: stop.signal,
            onProgress: (r) => display.update(r),
          });
        } finally {
          process.removeListener('SIGINT', onSigint);
          display.stop();
        }
        const totals = await sync.totals(connection);
        const p = run.progress;
        print(ctx.output, { run, totals }, () => [
          `Synced ${dataset} of '${connection}': ${run.mode === 'full' ? 'full read' : 'changes'}, ${count(p.records, 'record')} in ${count(p.pages, 'page')} (${p.elapsedSeconds} s), ${count(p.changes, 'feed entry', 'feed entries')}.`,
          `Stored: ${
            Object.entries(totals.present)
              // Model names are plural nouns: "1 group", "50 users".
              .map(([model, n]) => count(n, model.replace(/s$/, ''), model))
              .join(', ') || 'nothing'
          }; the feed is at sequence ${totals.lastSeq}.`,
          `Read the changes with: ${hint(`records ${connection} ${ALL_MODELS} --since <sequence>`)}`,
        ]);
      }),
    );

  program
    .command('records <connection> <model>')
    .description(`read the change feed: ${models.join(', ')}, oldest change first`)
    .option('--since <sequence>', 'only changes after this sequence number (the last one you read)', '0')
    .option('--limit <n>', 'at most this many records (1-5000)', '100')
    .action(
      withContext(async (ctx, connection, model, opts) => {
        const since = Number(opts.since);
        const limit = Number(opts.limit);
        if (!Number.isInteger(since) || since < 0)
          throw new UsageError('--since must be a sequence number (0 or more).');
        if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new UsageError('--limit must be 1-5000.');
        const sync = new SyncService({ store: ctx.store, connections: ctx.service, datasets });
        const page = await sync.feed(connection, model, { since, limit });
        print(ctx.output, page, () => [
          ...(since > 0 && since < page.prunedThrough
            ? [
                `Note: deletions up to sequence ${page.prunedThrough} were pruned from the feed. If ${since} is a cursor ` +
                  'you stored earlier (not one from paging a read that began at 0), read again from 0 and replace your copy.',
              ]
            : []),
          ...page.records.map(describeEntry),
          page.records.length === 0
            ? `Nothing after sequence ${since}.`
            : `Next: ${hint(`records ${connection} ${model} --since ${page.nextSince}`)}`,
        ]);
      }),
    );
}

function describeEntry(e: FeedEntry): string {
  const d = e.data ?? {};
  const label =
    e.model === 'memberships'
      ? `${String(d.memberType ?? 'member')} ${String(d.memberId ?? '')} in group ${String(d.groupId ?? '')}`
      : String(d.userPrincipalName ?? d.displayName ?? '');
  return [e.seq, e.action === 'delete' ? `delete (${e.reason})` : e.action, e.model, e.id, label].join('\t').trimEnd();
}

/** A progress bar on a terminal; plain lines, at most one a second, anywhere else; nothing with --json. */
function progressDisplay(dataset: string, output: Output) {
  if (output.json) return { update: (_run: SyncRunView) => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const withTotal = `${dataset} |{bar}| {percentage}% | {value}/{total} records | {pages} pages | {rate}/s | ETA {etaText}`;
    const withoutTotal = `${dataset} | {value} records | {pages} pages | {rate}/s`;
    const bar = new cliProgress.SingleBar({
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      format: (options, params, payload) =>
        cliProgress.Format.Formatter(
          { ...options, format: (payload as { total?: number }).total ? withTotal : withoutTotal },
          params,
          payload,
        ),
    });
    let started = false;
    return {
      update(run: SyncRunView) {
        const p = run.progress;
        const payload = {
          pages: p.pages,
          rate: Math.round(p.rate),
          total: p.total ?? 0,
          etaText: p.etaSeconds === null ? '?' : `${p.etaSeconds}s`,
        };
        const total = Math.max(p.total ?? 0, p.records, 1);
        if (!started) {
          bar.start(total, p.records, payload);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(p.records, payload);
        }
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update(run: SyncRunView) {
      if (Date.now() - last < 1000) return;
      last = Date.now();
      const p = run.progress;
      output.err(
        `${dataset}: ${count(p.pages, 'page')}, ${p.records}${p.total !== null ? `/${p.total}` : ''} records (${Math.round(p.rate)}/s)` +
          `${p.etaSeconds !== null ? `, ETA ${p.etaSeconds} s` : ''}, ${count(p.changes, 'feed entry', 'feed entries')}`,
      );
    },
    stop: () => {},
  };
}
