'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo } from 'react';
import { formatDuration, formatRelative } from '../../_lib/format.ts';
import { useUrlState } from '../../_lib/use-url-state.ts';
import { Badge } from '../../_components/badge.tsx';
import { CheckFilter, FilterBar, SelectFilter, TextFilter } from '../../_components/filter-bar.tsx';
import { Empty } from '../../_components/states.tsx';
import { StuckJudgement } from '../health/stuck-judgement.tsx';
import { ListControls, useListControls } from '../../_components/list-controls.tsx';
import { ListRows, LoadMore, usePagedItems } from '../../_components/cursor-list.tsx';
import { sagasUrlShape, useSagas, type SagasFilter } from './api.ts';
import { countMatrix, SAGA_STATE_ORDER } from './saga-counts.ts';

const AGE_OPTIONS = [
  { label: 'any age', value: '0' },
  { label: 'older than 1 min', value: '60000' },
  { label: 'older than 5 min', value: '300000' },
  { label: 'older than 1 h', value: '3600000' },
];

export function SagaList() {
  const router = useRouter();
  const [url, setUrl] = useUrlState(sagasUrlShape);
  const controls = useListControls();
  const filter: SagasFilter = useMemo(
    () => ({
      state: url.state,
      type: url.type,
      stuck: url.stuck ? true : undefined,
      minAgeMs: url.minAge || undefined,
      correlationId: url.q,
      from: controls.from,
    }),
    [url.state, url.type, url.stuck, url.minAge, url.q, controls.from],
  );
  const sagas = useSagas(filter, controls);
  const items = usePagedItems(sagas);
  // Counts come with every page; the matrix shows them for the type filter only, not the state.
  const matrix = useMemo(() => countMatrix(sagas.data?.pages[0]?.counts ?? []), [sagas.data]);
  const now = Date.now();
  const open = (id: string) => router.push(`/sagas/${encodeURIComponent(id)}`);

  return (
    <div>
      <div className="page-head">
        <h1>Sagas</h1>
        <span className="muted">
          Long-running flows and their compensations. STUCK means a step passed its deadline.
        </span>
      </div>
      <StuckJudgement />
      {matrix.length > 0 ? (
        <div className="card scroll-x" data-testid="saga-counts">
          <table className="table">
            <thead>
              <tr>
                <th>Type</th>
                {SAGA_STATE_ORDER.map((s) => (
                  <th key={s} className="num">
                    {s.replace('_', ' ')}
                  </th>
                ))}
                <th className="num">Total</th>
              </tr>
            </thead>
            <tbody>
              {matrix.map((row) => (
                <tr key={row.type}>
                  <td>
                    <button
                      type="button"
                      className="btn btn-ghost"
                      onClick={() => setUrl({ type: row.type, state: null })}
                    >
                      {row.type}
                    </button>
                  </td>
                  {row.byState.map((c) => (
                    <td key={c.state} className="num">
                      {c.count > 0 ? (
                        <button
                          type="button"
                          className="btn btn-ghost"
                          data-testid={`saga-count-${c.state}`}
                          onClick={() => setUrl({ type: row.type, state: c.state })}
                        >
                          <Badge value={c.state} label={c.count} />
                        </button>
                      ) : (
                        <span className="muted">0</span>
                      )}
                    </td>
                  ))}
                  <td className="num">{row.total}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="card">
        <FilterBar testid="saga-filters">
          <SelectFilter
            label="State"
            value={url.state}
            onChange={(state) => setUrl({ state })}
            testid="saga-filter-state"
            options={SAGA_STATE_ORDER}
            anyLabel="any"
          />
          <TextFilter
            label="Type"
            value={url.type}
            onChange={(type) => setUrl({ type })}
            testid="saga-filter-type"
          />
          <SelectFilter
            label="Age"
            value={url.minAge ?? 0}
            onChange={(age) => setUrl({ minAge: Number(age) || null })}
            testid="saga-filter-age"
            options={AGE_OPTIONS}
          />
          <TextFilter
            label="Order / correlation id"
            value={url.q}
            onChange={(q) => setUrl({ q })}
            testid="saga-filter-q"
          />
          <CheckFilter
            label="Stuck only"
            checked={Boolean(url.stuck)}
            onChange={(stuck) => setUrl({ stuck: stuck ? '1' : null })}
            testid="saga-filter-stuck"
          />
        </FilterBar>
        <ListControls
          state={controls}
          onRefresh={() => void sagas.refetch()}
          fetching={sagas.isRefetching}
          rows={items}
          exportName="sagas"
          testid="saga-list-controls"
        />
        <ListRows
          query={sagas}
          loaded={items.length}
          what="sagas"
          empty={
            <Empty
              title="No sagas match."
              next="Sagas appear when orchestrator saga records or flows matching a saga definition arrive. Widen the filter or place an order."
            />
          }
        >
          <div className="table-scroll">
            <table className="table" data-testid="saga-table">
              <thead>
                <tr>
                  <th>Saga</th>
                  <th>Type</th>
                  <th>State</th>
                  <th>Step</th>
                  <th>Correlation</th>
                  <th>Started</th>
                  <th className="num">Age</th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr
                    key={s.id}
                    className="clickable"
                    tabIndex={0}
                    data-testid="saga-row"
                    data-saga-id={s.id}
                    data-correlation-id={s.correlationId ?? ''}
                    data-type={s.type}
                    data-state={s.state}
                    onClick={() => open(s.id)}
                    onKeyDown={(e) => e.key === 'Enter' && open(s.id)}
                  >
                    <td className="mono">
                      <Link href={`/sagas/${encodeURIComponent(s.id)}`} onClick={(e) => e.stopPropagation()}>
                        {s.id}
                      </Link>
                    </td>
                    <td>
                      {s.type} <span className="muted">({s.source})</span>
                    </td>
                    <td>
                      <Badge value={s.state} testid="saga-state" />
                    </td>
                    <td>{s.currentStep ?? '—'}</td>
                    <td className="mono">{s.correlationId ?? '—'}</td>
                    <td>{formatRelative(s.startedAt, now)}</td>
                    <td className="num">{formatDuration(s.updatedAt - s.startedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </ListRows>
        <LoadMore query={sagas} loaded={items.length} testid="saga-paging" />
      </div>
    </div>
  );
}
