import { useId, useState } from 'react';
import { api, type Job } from '../api';
import { AdminRow, AdminTable } from '../components/AdminTable';
import { Breadcrumb } from '../components/Breadcrumb';
import { LoadedContent } from '../components/LoadedContent';
import { RelativeTime } from '../components/RelativeTime';
import { ShortId } from '../components/ShortId';
import { useLoad } from '../state/useLoad';
import { usePageTitle } from '../state/usePageTitle';

const JOB_COLUMNS = ['Job', 'Connection', 'Status', 'Attempts', 'Last error', 'Updated'] as const;
const VIEWS = [
  { value: 'failed', label: 'Failed for good' },
  { value: 'queued,running,retrying', label: 'Waiting or running' },
  { value: '', label: 'All' },
] as const;

/** Background jobs (syncs) as recorded: the dead ones first, with their last error. Read-only. */
export function JobsPage() {
  usePageTitle('Jobs');
  const [view, setView] = useState<string>('failed');
  const jobs = useLoad((signal) => api.listJobs(view || undefined, signal), [view]);
  const filterId = useId();
  return (
    <>
      <Breadcrumb parent="Admin" current="Jobs" />
      <div className="page-heading">
        <h1 tabIndex={-1}>Jobs</h1>
      </div>
      <p className="lead">
        Background work such as syncs runs as jobs, retried with backoff. A job that failed for good stays here with its
        last error; fix the cause (often a permission), then start the sync again.
      </p>
      <p>
        <label htmlFor={filterId}>Show </label>
        <select id={filterId} value={view} onChange={(e) => setView(e.target.value)}>
          {VIEWS.map((v) => (
            <option key={v.value} value={v.value}>
              {v.label}
            </option>
          ))}
        </select>
      </p>
      <LoadedContent loaded={jobs} loading="Loading jobs…">
        {(list) =>
          list.length === 0 ? (
            <div className="empty">
              <p>{view === 'failed' ? 'No job has failed for good.' : 'No job to show.'}</p>
            </div>
          ) : (
            <AdminTable caption="Jobs, newest first" columns={JOB_COLUMNS} className="jobs">
              {list.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </AdminTable>
          )
        }
      </LoadedContent>
    </>
  );
}

function JobRow({ job }: { job: Job }) {
  const nameId = useId();
  return (
    <AdminRow
      columns={JOB_COLUMNS}
      nameId={nameId}
      name={job.kind}
      cells={[
        <ShortId key="connection" id={job.connectionId} what="connection ID" />,
        job.status,
        String(job.attempts),
        job.lastError ?? '—',
      ]}
      // Jobs have no action: the last column says when the job last changed.
      actions={<RelativeTime iso={job.updatedAt} />}
    />
  );
}
