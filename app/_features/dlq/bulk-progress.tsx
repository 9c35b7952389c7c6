'use client';

import Link from 'next/link';
import { errorMessage } from '../../_lib/api-client.ts';
import { formatNumber } from '../../_lib/format.ts';
import { useBulkJob } from './api.ts';

// A running bulk replay, polled until it ends: a progress bar, the counts, and one row per
// entry with what happened to it (produced where, refused or failed and why).

const SHOWN = 200;

export function BulkProgress({ replayKey }: { replayKey: string }) {
  const job = useBulkJob(replayKey);
  if (job.isPending) return <p data-testid="bulk-progress-loading">Waiting for the job…</p>;
  if (job.isError)
    return (
      <p className="state-error" data-testid="bulk-progress-error">
        Progress unavailable: {errorMessage(job.error)}
      </p>
    );
  const j = job.data;
  const pct = j.total ? Math.round((j.done / j.total) * 100) : 100;
  return (
    <div
      className="stack"
      data-testid="bulk-progress"
      data-state={j.state}
      data-done={j.done}
      data-total={j.total}
    >
      <label className="field">
        <span>
          {j.state === 'running' ? 'Replaying' : `Job ${j.state}`}: {formatNumber(j.done)} of{' '}
          {formatNumber(j.total)}
        </span>
        <progress max={j.total || 1} value={j.done} aria-label="Bulk replay progress">
          {pct}%
        </progress>
      </label>
      <p data-testid="bulk-counts">
        {formatNumber(j.counts.produced)} produced · {formatNumber(j.counts.failed)} failed ·{' '}
        {formatNumber(j.counts.refused)} refused · {formatNumber(j.counts.waiting)} waiting
      </p>
      <div className="table-scroll">
        <table className="table compact">
          <thead>
            <tr>
              <th>Entry</th>
              <th>Result</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {j.items.slice(0, SHOWN).map((i) => (
              <tr key={i.entryId} data-testid="bulk-item" data-status={i.status}>
                <td className="mono wrap">
                  <Link href={`/dlq/${encodeURIComponent(i.entryId)}`}>{i.entryId}</Link>
                </td>
                <td>{i.status}</td>
                <td className="wrap">
                  {i.status === 'produced'
                    ? `${i.targetTopic ?? '?'} @ ${i.targetOffset ?? '?'}${i.outcome ? ` · ${i.outcome}` : ''}`
                    : (i.error ?? '')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {j.items.length > SHOWN || j.total > j.items.length ? (
        <p className="muted">First {Math.min(SHOWN, j.items.length)} entries shown.</p>
      ) : null}
    </div>
  );
}
