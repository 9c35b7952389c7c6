'use client';

import { useState } from 'react';
import type { ReplayPlan } from '../../../lib/api/dlq.ts';
import { errorMessage } from '../../_lib/api-client.ts';
import { formatBytes } from '../../_lib/format.ts';
import { useReplayPlan } from './api.ts';

// The body of the single-replay confirmation: the dry run the collector computed (where the
// record would go, with which key and headers, what the loop guard still allows) and a warning
// that must be acknowledged when the record's saga already finished.

function PlanDetails({ plan }: { plan: ReplayPlan }) {
  return (
    <dl className="kv" data-testid="replay-plan">
      <dt>Target</dt>
      <dd className="mono" data-testid="replay-plan-target">
        {plan.targetTopic ?? 'unknown'}
        {plan.targetPartition !== null ? ` [partition ${plan.targetPartition}]` : ' [chosen by key]'}
      </dd>
      <dt>Key</dt>
      <dd className="mono wrap" data-testid="replay-plan-key">
        {plan.key ?? '(none)'}
      </dd>
      <dt>Value</dt>
      <dd>{plan.valueSize === null ? 'not stored' : formatBytes(plan.valueSize)}, as stored</dd>
      <dt>Loop guard</dt>
      <dd data-testid="replay-plan-guard" data-left={plan.replaysLeft}>
        {plan.replaysLeft} of {plan.maxReplays} replays left (replayed {plan.replayCount} times so far)
      </dd>
      <dt>Headers</dt>
      <dd>
        <details>
          <summary data-testid="replay-plan-headers">{plan.headers.length} headers</summary>
          <table className="table compact">
            <tbody>
              {plan.headers.map((h, i) => (
                <tr key={`${h.key}-${i}`}>
                  <td className="mono">{h.key}</td>
                  <td className="mono wrap">{h.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </dd>
    </dl>
  );
}

export function ReplayConfirmBody({
  entryId,
  replayCount,
  onConfirm,
  onCancel,
}: {
  entryId: string;
  replayCount: number;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const plan = useReplayPlan(entryId, true);
  const [ack, setAck] = useState(false);
  if (plan.isPending) return <p data-testid="replay-plan-loading">Working out what the replay would do…</p>;
  if (plan.isError)
    return (
      <p className="state-error" data-testid="replay-plan-error">
        The dry run failed: {errorMessage(plan.error)}
      </p>
    );
  const p = plan.data;
  const terminal = p.saga?.terminal ?? false;
  const blocked = p.refusal !== null || (terminal && !ack);
  return (
    <div className="stack" data-testid="replay-confirm-body">
      <p>
        Dry run — nothing has been sent yet.
        {replayCount > 0 ? ` This record was already replayed ${replayCount} time(s).` : ''}
      </p>
      <PlanDetails plan={p} />
      {p.refusal ? (
        <p className="state-error" data-testid="replay-plan-refusal">
          The collector would refuse this replay: {p.refusal}
        </p>
      ) : null}
      {p.warnings.map((w) => (
        <p key={w} className="pill pill-warn wrap" role="note" data-testid="replay-warning">
          {w}
        </p>
      ))}
      {terminal ? (
        <label className="check" data-testid="replay-ack-terminal">
          <input type="checkbox" checked={ack} onChange={(e) => setAck(e.target.checked)} />
          <span>
            I know the {p.saga?.type ?? 'saga'} already ended as {p.saga?.state}; replay anyway
          </span>
        </label>
      ) : null}
      <div className="row">
        <button
          type="button"
          className="btn btn-danger"
          data-testid="replay-confirm"
          disabled={blocked}
          onClick={onConfirm}
        >
          Replay 1 record to {p.targetTopic ?? '?'}
        </button>
        <button type="button" className="btn btn-outline" data-testid="replay-cancel" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
