'use client';

import type { DlqEntryDetail, Replay } from '../../../lib/api/dlq.ts';
import { formatDateTime } from '../../_lib/format.ts';
import { Badge } from '../../_components/badge.tsx';
import { latestReplay } from './api.ts';

const OUTCOME_TEXT: Record<Replay['outcome'], string> = {
  pending: 'waiting for the replayed record to be processed…',
  processed: 'processed',
  chain_completed: 'processed · chain completed',
  failed_again: 'failed again',
};

/** The answer the operator is waiting for after pressing Replay. */
export function ReplayOutcome({ entry }: { entry: DlqEntryDetail }) {
  const latest = latestReplay(entry);
  if (!latest) return null;
  const text =
    latest.status === 'produced'
      ? OUTCOME_TEXT[latest.outcome]
      : `not sent (${latest.status}): ${latest.error ?? 'no reason given'}`;
  return (
    <p
      data-testid="replay-outcome"
      data-outcome={latest.status === 'produced' ? latest.outcome : latest.status}
    >
      Last replay:{' '}
      <Badge value={latest.status === 'produced' ? latest.outcome : latest.status} label={text} />
    </p>
  );
}

export function ReplayHistory({ replays }: { replays: readonly Replay[] }) {
  if (replays.length === 0) return <p className="muted">Never replayed.</p>;
  const sorted = [...replays].sort((a, b) => b.requestedAt - a.requestedAt);
  return (
    <table className="table" data-testid="replay-history">
      <thead>
        <tr>
          <th>When</th>
          <th>By</th>
          <th>Sent</th>
          <th>To</th>
          <th>Outcome</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => (
          <tr key={r.id} data-testid="replay-history-row">
            <td>{formatDateTime(r.requestedAt)}</td>
            <td>{r.requestedBy}</td>
            <td>
              <Badge value={r.status} />
              {r.error ? <div className="muted">{r.error}</div> : null}
            </td>
            <td className="mono">
              {r.targetTopic
                ? `${r.targetTopic} [${r.targetPartition ?? '?'}] @ ${r.targetOffset ?? '?'}`
                : '—'}
            </td>
            <td>
              <Badge value={r.outcome} label={OUTCOME_TEXT[r.outcome]} />
              {r.outcomeAt ? <div className="muted">{formatDateTime(r.outcomeAt)}</div> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
