'use client';

import { useEffect, useRef, useState } from 'react';
import type { BulkReplayRequest } from '../../../lib/api/dlq.ts';
import { errorMessage } from '../../_lib/api-client.ts';
import { formatNumber } from '../../_lib/format.ts';
import { useOperatorToken } from '../../_lib/use-operator-token.ts';
import { Modal } from '../../_components/modal.tsx';
import { useHealth } from '../health/api.ts';
import { useBulkReplay, type DlqFilter } from './api.ts';
import { BulkProgress } from './bulk-progress.tsx';
import { newReplayKey } from './replay-intent.ts';

export type BulkTarget = { kind: 'ids'; ids: readonly string[] } | { kind: 'filter'; filter: DlqFilter };

/** Records per second the bulk job may produce: gentle on the origin topics' consumers. */
export const BULK_RATE_PER_SEC = 50;

function requestFor(target: BulkTarget, replayKey: string, dryRun: boolean): BulkReplayRequest {
  return {
    replayKey,
    dryRun,
    ratePerSec: BULK_RATE_PER_SEC,
    ...(target.kind === 'ids' ? { ids: [...target.ids] } : { filter: target.filter }),
  };
}

function BulkReplayBody({ target, onClose }: { target: BulkTarget; onClose: () => void }) {
  const token = useOperatorToken();
  const health = useHealth();
  const needsToken = !token && (health.data?.authRequired.write ?? true);
  const preview = useBulkReplay();
  const run = useBulkReplay();
  // One key per opening of the dialog: confirming twice (double click) starts one job.
  const [intentKey] = useState(() => newReplayKey());
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    preview.mutate({ request: requestFor(target, newReplayKey(), true), token });
  }, [preview, target, token]);

  if (preview.isPending || preview.isIdle)
    return <p data-testid="bulk-preview-loading">Counting what would be replayed…</p>;
  if (preview.isError)
    return (
      <p className="state-error" data-testid="bulk-preview-error">
        Dry run failed: {errorMessage(preview.error)}
      </p>
    );

  const p = preview.data;
  const willReplay = p.total - p.refused;
  if (run.isSuccess) {
    return (
      <div className="stack" data-testid="bulk-result">
        <p>
          Replay started
          {run.data.jobId ? (
            <>
              {' '}
              (job <span className="mono">{run.data.jobId}</span>)
            </>
          ) : null}
          : {formatNumber(run.data.total - run.data.refused)} records at up to {BULK_RATE_PER_SEC}/s.
        </p>
        <BulkProgress replayKey={intentKey} />
        <button type="button" className="btn btn-primary" onClick={onClose}>
          Close
        </button>
      </div>
    );
  }
  return (
    <div className="stack" data-testid="bulk-preview">
      <p data-testid="bulk-summary">
        <strong>{formatNumber(willReplay)}</strong> of {formatNumber(p.total)} records will be replayed
        {p.refused > 0 ? `; ${formatNumber(p.refused)} refused (replay limit reached or no origin)` : ''}.
      </p>
      <table className="table">
        <thead>
          <tr>
            <th>Goes to</th>
            <th className="num">Records</th>
          </tr>
        </thead>
        <tbody>
          {p.byTarget.map((t) => (
            <tr key={t.targetTopic ?? '(none)'} data-testid="bulk-target">
              <td className="mono">{t.targetTopic ?? 'nowhere (origin unknown)'}</td>
              <td className="num">{formatNumber(t.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.byError.length > 0 ? (
        <p className="muted">
          Errors: {p.byError.map((e) => `${e.errorClass ?? 'none'} (${e.count})`).join(', ')}
        </p>
      ) : null}
      {needsToken ? (
        <p className="pill pill-warn" data-testid="bulk-disabled-reason">
          Set the operator token (top right) to replay.
        </p>
      ) : null}
      <div className="row">
        <button
          type="button"
          className="btn btn-danger"
          data-testid="bulk-confirm"
          disabled={needsToken || willReplay === 0 || run.isPending}
          onClick={() => run.mutate({ request: requestFor(target, intentKey, false), token })}
        >
          {run.isPending ? 'Starting…' : `Replay ${formatNumber(willReplay)} records`}
        </button>
        <button type="button" className="btn btn-outline" onClick={onClose}>
          Cancel
        </button>
      </div>
      {run.isError ? <p className="state-error">{errorMessage(run.error)}</p> : null}
    </div>
  );
}

export function BulkReplayDialog({ target, onClose }: { target: BulkTarget | null; onClose: () => void }) {
  return (
    <Modal open={target !== null} onClose={onClose} title="Bulk replay" testid="bulk-dialog">
      {target ? <BulkReplayBody target={target} onClose={onClose} /> : null}
    </Modal>
  );
}
