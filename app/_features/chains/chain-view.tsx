'use client';

import Link from 'next/link';
import { useCallback, useEffect, useMemo } from 'react';
import { z } from 'zod';
import { formatDateTime, formatDuration } from '../../_lib/format.ts';
import { useUrlState } from '../../_lib/use-url-state.ts';
import { Badge } from '../../_components/badge.tsx';
import { ApiRequestError } from '../../_lib/api-client.ts';
import { ErrorState, Loading } from '../../_components/states.tsx';
import { RecordInspectorById } from '../records/record-inspector.tsx';
import { useChain } from './api.ts';
import { CausationGraph } from './causation-graph.tsx';
import { ChainFallback } from './chain-fallback.tsx';
import { ChainStatusBadges } from './outcome-badge.tsx';
import { SpanPanel } from './span-panel.tsx';
import { Waterfall } from './waterfall.tsx';
import { buildWaterfall } from './waterfall-layout.ts';

const chainViewShape = {
  view: z.enum(['waterfall', 'graph']),
  record: z.string().max(300),
  span: z.string().max(100),
};

export function ChainView({ id }: { id: string }) {
  const chain = useChain(id);
  const [url, setUrl] = useUrlState(chainViewShape);
  const view = url.view ?? 'waterfall';
  const selected = url.record ?? null;
  const selectedSpan = url.span ?? null;
  const select = useCallback(
    (recordId: string) => setUrl({ record: recordId, span: null }, { push: true }),
    [setUrl],
  );
  const selectSpan = useCallback(
    (key: string) => setUrl({ span: key, record: null }, { push: true }),
    [setUrl],
  );
  const close = useCallback(() => setUrl({ record: null, span: null }), [setUrl]);
  // The header and the waterfall show one duration and one count, from the same layout.
  const wf = useMemo(() => (chain.data ? buildWaterfall(chain.data) : null), [chain.data]);

  useEffect(() => {
    if (!selected && !selectedSpan) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [selected, selectedSpan, close]);

  if (chain.isPending) return <Loading what={`the chain for ${id}`} />;
  if (chain.isError) {
    const notFound = chain.error instanceof ApiRequestError && chain.error.status === 404;
    return (
      <div>
        <p>
          <Link href="/chains">← Chains</Link>
        </p>
        {notFound ? (
          <ChainFallback id={id} />
        ) : (
          <ErrorState error={chain.error} what={`a chain for “${id}”`} onRetry={() => void chain.refetch()} />
        )}
      </div>
    );
  }
  const c = chain.data;
  const hops = wf!.rows.filter((r) => r.kind === 'hop').length;
  const durationMs = Math.round(wf!.t1 - wf!.t0);
  return (
    <div data-testid="chain-view" data-chain-id={c.id} data-status={c.status}>
      <div className="page-head">
        <Link href="/chains">← Chains</Link>
        <h1 className="mono">{c.correlationId ?? c.id}</h1>
        <ChainStatusBadges status={c.status} outcome={c.outcome} />
        <span className="muted" data-testid="chain-summary">
          {c.flow ?? 'unknown flow'} · {c.records.length} records · {hops} hops · {c.spans.length} spans ·{' '}
          <span
            data-testid="chain-duration"
            data-ms={durationMs}
            title="From the first produce to the last processing end, as the waterfall shows it"
          >
            {formatDuration(durationMs)} first produce → last processed
          </span>{' '}
          · started {formatDateTime(c.startedAt)}
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
      <div className={selected || selectedSpan ? 'split' : ''}>
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
            <Waterfall chain={c} wf={wf!} selected={selected} onSelect={select} onSelectSpan={selectSpan} />
          ) : (
            <CausationGraph chain={c} selected={selected} onSelect={select} />
          )}
        </div>
        {selected ? <RecordInspectorById recordId={selected} onClose={close} /> : null}
        {selectedSpan && !selected ? <SpanPanel chain={c} spanId={selectedSpan} onClose={close} /> : null}
      </div>
    </div>
  );
}
