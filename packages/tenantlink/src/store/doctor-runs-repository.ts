import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { type DoctorReport, TOKEN_CHECK } from '../model/findings.js';
import type { DoctorRunsTable, IsoTimestamp, StoreHandle } from './schema.js';

/** One "Run test" of a connection, as the API shows it. */
export interface DoctorRun extends DoctorReport {
  id: string;
  connectionId: string;
  startedAt: IsoTimestamp;
  finishedAt: IsoTimestamp;
}

export interface DoctorRunSummary {
  id: string;
  at: IsoTimestamp;
  ok: boolean;
  errors: number;
  warnings: number;
  /** Whether the connection got a token in that run: the token check passed, failed, or did not run. */
  token: 'ok' | 'failing' | 'unknown';
}

export interface DoctorRunsRepository {
  record(
    connectionId: string,
    report: DoctorReport,
    times: { startedAt: IsoTimestamp; finishedAt: IsoTimestamp },
  ): Promise<DoctorRun>;
  /** Newest first. */
  list(connectionId: string, limit?: number): Promise<DoctorRun[]>;
  /** The latest run of each of these connections. */
  latest(connectionIds: readonly string[]): Promise<Map<string, DoctorRunSummary>>;
}

/** Runs kept per connection; older ones are deleted when a new one is recorded. */
export const KEPT_RUNS = 50;

export function doctorRunsRepository({ db }: StoreHandle): DoctorRunsRepository {
  return {
    async record(connectionId, report, { startedAt, finishedAt }) {
      const row: DoctorRunsTable = {
        id: randomUUID(),
        connection_id: connectionId,
        started_at: startedAt,
        finished_at: finishedAt,
        ok: report.ok ? 1 : 0,
        errors: report.findings.filter((f) => f.severity === 'error').length,
        warnings: report.findings.filter((f) => f.severity === 'warning').length,
        report: JSON.stringify({ checks: report.checks, findings: report.findings }),
      };
      await db.insertInto('doctor_runs').values(row).execute();
      const keep = db
        .selectFrom('doctor_runs')
        .select('id')
        .where('connection_id', '=', connectionId)
        .orderBy('started_at', 'desc')
        .limit(KEPT_RUNS);
      await db
        .deleteFrom('doctor_runs')
        .where('connection_id', '=', connectionId)
        .where('id', 'not in', keep)
        .execute();
      return fromRow(row);
    },
    async list(connectionId, limit = KEPT_RUNS) {
      const rows = await db
        .selectFrom('doctor_runs')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('started_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },
    async latest(connectionIds) {
      const result = new Map<string, DoctorRunSummary>();
      if (connectionIds.length === 0) return result;
      const rows = await db
        .selectFrom('doctor_runs')
        .select(['id', 'connection_id', 'started_at', 'ok', 'errors', 'warnings', 'report'])
        .where('connection_id', 'in', connectionIds)
        // Only each connection's newest run, not the whole kept history with its reports.
        .where('started_at', '=', (eb) =>
          eb
            .selectFrom('doctor_runs as newer')
            .select((e) => e.fn.max('newer.started_at').as('at'))
            .whereRef('newer.connection_id', '=', 'doctor_runs.connection_id'),
        )
        .orderBy('started_at', 'desc')
        .execute();
      for (const r of rows)
        if (!result.has(r.connection_id))
          result.set(r.connection_id, {
            id: r.id,
            at: r.started_at,
            ok: r.ok === 1,
            errors: r.errors,
            warnings: r.warnings,
            token: tokenStatus(r.report),
          });
      return result;
    },
  };
}

function tokenStatus(report: string): DoctorRunSummary['token'] {
  const { checks } = JSON.parse(report) as Pick<DoctorReport, 'checks'>;
  const status = checks.find((c) => c.name === TOKEN_CHECK)?.status;
  return status === 'pass' ? 'ok' : status === 'fail' ? 'failing' : 'unknown';
}

function fromRow(row: Selectable<DoctorRunsTable>): DoctorRun {
  const { checks, findings } = JSON.parse(row.report) as Pick<DoctorReport, 'checks' | 'findings'>;
  return {
    id: row.id,
    connectionId: row.connection_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    ok: row.ok === 1,
    checks,
    findings,
  };
}
