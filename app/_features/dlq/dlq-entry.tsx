'use client';

import Link from 'next/link';
import { formatDateTime } from '../../_lib/format.ts';
import { Badge } from '../../_components/badge.tsx';
import { ErrorState, Loading } from '../../_components/states.tsx';
import { RecordInspectorById } from '../records/record-inspector.tsx';
import { useDlqEntry } from './api.ts';
import { ReplayButton } from './replay-button.tsx';
import { ReplayHistory, ReplayOutcome } from './replay-outcome.tsx';
import { ResolveControls } from './resolve-controls.tsx';

export function DlqEntryView({ id }: { id: string }) {
  const entry = useDlqEntry(id);
  if (entry.isPending) return <Loading what={`dead letter ${id}`} />;
  if (entry.isError)
    return <ErrorState error={entry.error} what={`dead letter ${id}`} onRetry={() => void entry.refetch()} />;
  const e = entry.data;
  return (
    <div data-testid="dlq-entry" data-entry-id={e.id}>
      <div className="page-head">
        <Link href="/dlq">← Dead letters</Link>
        <h1 className="mono">{e.errorClass ?? 'Dead letter'}</h1>
        <Badge value={e.status} testid="dlq-entry-status" />
      </div>
      <div className="split">
        <div>
          <div className="card">
            <h2>Error</h2>
            <p data-testid="dlq-error-message">
              {e.errorMessage ?? <span className="muted">No message recorded.</span>}
            </p>
            {e.errorCauseClass ? (
              <p className="muted">
                Caused by <span className="mono">{e.errorCauseClass}</span>
              </p>
            ) : null}
            {e.errorStack ? (
              <details>
                <summary>Stack trace</summary>
                <pre className="payload" data-testid="dlq-error-stack">
                  {e.errorStack}
                </pre>
              </details>
            ) : null}
          </div>
          <div className="card">
            <h2>Replay</h2>
            <ReplayOutcome entry={e} />
            <ReplayButton entry={e} />
            <h3 className="spaced">History</h3>
            <ReplayHistory replays={e.replays} />
          </div>
          <div className="card">
            <h2>Resolve or discard</h2>
            <ResolveControls entry={e} />
          </div>
          <div className="card">
            <h2>Dead record</h2>
            <RecordInspectorById recordId={e.recordId} />
          </div>
        </div>
        <div className="card">
          <h2>Where it came from</h2>
          <dl className="kv" data-testid="dlq-origin">
            <dt>Origin topic</dt>
            <dd className="mono" data-testid="dlq-origin-topic">
              {e.originTopic ?? 'unknown'}
            </dd>
            <dt>Partition / offset</dt>
            <dd className="mono">
              {e.originPartition ?? '?'} / {e.originOffset ?? '?'}
            </dd>
            <dt>Consumer group</dt>
            <dd className="mono">
              {e.originGroup ? (
                <Link href={`/consumers?group=${encodeURIComponent(e.originGroup)}`}>{e.originGroup}</Link>
              ) : (
                '—'
              )}
            </dd>
            <dt>DLQ record</dt>
            <dd className="mono">{e.recordId}</dd>
            <dt>Convention</dt>
            <dd>{e.convention}</dd>
            <dt>Attempts</dt>
            <dd>{e.attempts ?? '—'}</dd>
            <dt>First failed</dt>
            <dd>{formatDateTime(e.firstFailedAt)}</dd>
            <dt>Last failed</dt>
            <dd>{formatDateTime(e.lastFailedAt)}</dd>
            <dt>Key</dt>
            <dd className="mono">{e.key ?? '—'}</dd>
            <dt>Type</dt>
            <dd>{e.ceType ?? '—'}</dd>
            <dt>Correlation</dt>
            <dd className="mono">{e.correlationId ?? '—'}</dd>
            <dt>Chain</dt>
            <dd>
              {e.chainId ? (
                <Link href={`/chains/${encodeURIComponent(e.chainId)}`} data-testid="dlq-chain-link">
                  Open chain
                </Link>
              ) : e.correlationId ? (
                <Link href={`/chains/${encodeURIComponent(e.correlationId)}`} data-testid="dlq-chain-link">
                  Find chain for {e.correlationId}
                </Link>
              ) : (
                '—'
              )}
            </dd>
            <dt>Saga</dt>
            <dd>
              {e.sagaId ? (
                <Link href={`/sagas/${encodeURIComponent(e.sagaId)}`} data-testid="dlq-saga-link">
                  {e.sagaId}
                </Link>
              ) : (
                '—'
              )}
            </dd>
          </dl>
        </div>
      </div>
    </div>
  );
}
