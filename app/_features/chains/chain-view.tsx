'use client';

import Link from 'next/link';
import { useCallback, useEffect } from 'react';
import { z } from 'zod';
import { formatDateTime, formatDuration } from '../../_lib/format.ts';
import { useUrlState } from '../../_lib/use-url-state.ts';
import { Badge } from '../../_components/badge.tsx';
import { ErrorState, Loading } from '../../_components/states.tsx';
import { RecordInspectorById } from '../records/record-inspector.tsx';
import { useChain } from './api.ts';
import { CausationGraph } from './causation-graph.tsx';
import { Waterfall } from './waterfall.tsx';

const chainViewShape = { view: z.enum(['waterfall', 'graph']), record: z.string().max(300) };

export function ChainView({ id }: { id: string }) {
  const chain = useChain(id);
  const [url, setUrl] = useUrlState(chainViewShape);
  const view = url.view ?? 'waterfall';
  const selected = url.record ?? null;
  const select = useCallback((recordId: string) => setUrl({ record: recordId }, { push: true }), [setUrl]);
  const close = useCallback(() => setUrl({ record: null }), [setUrl]);

  useEffect(() => {
    if (!selected) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [selected, close]);

  if (chain.isPending) return <Loading what={`the chain for ${id}`} />;
  if (chain.isError) {
    return (
      <div>
        <p>
          <Link href="/chains">← Chains</Link>
        </p>
        <ErrorState error={chain.error} what={`a chain for “${id}”`} onRetry={() => void chain.refetch()} />
      </div>
    );
  }
  const c = chain.data;
  return (
    <div data-testid="chain-view" data-chain-id={c.id} data-status={c.status}>
      <div className="page-head">
        <Link href="/chains">← Chains</Link>
        <h1 className="mono">{c.correlationId ?? c.id}</h1>
        <Badge value={c.status} label={c.status.replace('_', ' ')} testid="chain-status" />
        <span className="muted">
          {c.flow ?? 'unknown flow'} · {c.records.length} records · {c.spans.length} spans ·{' '}
          {formatDuration(c.durationMs)} · started {formatDateTime(c.startedAt)}
        </span>
      </div>
      {c.stoppedAt ? (
        <p className="pill pill-warn" data-testid="chain-stopped-at">
          Stopped at: {c.stoppedAt}
        </p>
      ) : null}
      {c.truncated ? (
        <p className="hint">This chain was truncated by the collector; the newest records may be missing.</p>
      ) : null}
      <div className="row mb8">
        {c.sagaIds.map((s) => (
          <Link key={s} href={`/sagas/${encodeURIComponent(s)}`} data-testid="chain-saga-link">
            Saga {s}
          </Link>
        ))}
        {c.traceIds.length > 0 ? <span className="muted">Traces: {c.traceIds.length}</span> : null}
      </div>
      {c.anomalies.length > 0 ? (
        <div className="card" data-testid="chain-anomalies">
          <h2>Anomalies</h2>
          <ul>
            {c.anomalies.map((a, i) => (
              <li key={i}>
                <Badge value="warning" label={a.kind.replace('_', ' ')} />{' '}
                <button type="button" className="btn btn-ghost mono" onClick={() => select(a.recordId)}>
                  {a.recordId}
                </button>{' '}
                {a.detail}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className={selected ? 'split' : ''}>
        <div className="card">
          <div className="tabs" role="tablist">
            <button
              type="button"
              role="tab"
              className="tab"
              aria-selected={view === 'waterfall'}
              onClick={() => setUrl({ view: null })}
              data-testid="tab-waterfall"
            >
              Waterfall
            </button>
            <button
              type="button"
              role="tab"
              className="tab"
              aria-selected={view === 'graph'}
              onClick={() => setUrl({ view: 'graph' })}
              data-testid="tab-graph"
            >
              Causation graph
            </button>
          </div>
          {view === 'waterfall' ? (
            <Waterfall chain={c} selected={selected} onSelect={select} />
          ) : (
            <CausationGraph chain={c} selected={selected} onSelect={select} />
          )}
        </div>
        {selected ? <RecordInspectorById recordId={selected} onClose={close} /> : null}
      </div>
    </div>
  );
}
