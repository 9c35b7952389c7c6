'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { formatDuration, formatRelative } from '../../_lib/format.ts';
import { useUrlState } from '../../_lib/use-url-state.ts';
import { FilterBar, SelectFilter, TextFilter } from '../../_components/filter-bar.tsx';
import { Empty } from '../../_components/states.tsx';
import { ListControls, useListControls } from '../../_components/list-controls.tsx';
import { ListRows, LoadMore, usePagedItems } from '../../_components/cursor-list.tsx';
import { chainsUrlShape, useChains } from './api.ts';
import { CHAIN_QUERY_LABEL, classifyChainQuery } from './chain-query.ts';
import { ChainStatusBadges } from './outcome-badge.tsx';

const STATUS_OPTIONS = (['complete', 'in_progress', 'stopped', 'failed'] as const).map((s) => ({
  value: s,
  label: s.replace('_', ' '),
}));

export function ChainSearch() {
  const router = useRouter();
  const [q, setQ] = useState('');
  const [url, setUrl] = useUrlState(chainsUrlShape);
  const controls = useListControls();
  const chains = useChains({ status: url.status, flow: url.flow, from: controls.from }, controls);
  const items = usePagedItems(chains);
  const trimmed = q.trim();
  return (
    <div>
      <div className="page-head">
        <h1>Chains</h1>
        <span className="muted">
          The end-to-end path of one business flow: every record and span, hop by hop.
        </span>
      </div>
      <form
        className="card row"
        data-testid="chain-search"
        onSubmit={(e) => {
          e.preventDefault();
          if (trimmed) router.push(`/chains/${encodeURIComponent(trimmed)}`);
        }}
      >
        <label className="field grow">
          <span>Order id, trace id, event id, topic:partition:offset — or any text to search records</span>
          <input
            value={q}
            onChange={(e) => setQ(e.target.value)}
            data-testid="chain-search-input"
            autoFocus
            placeholder="e.g. ord-123 or orders.events:2:1045"
          />
        </label>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={!trimmed}
          data-testid="chain-search-submit"
        >
          Find chain
        </button>
        {trimmed ? (
          <span className="muted">Looks like {CHAIN_QUERY_LABEL[classifyChainQuery(trimmed)]}.</span>
        ) : null}
      </form>
      <div className="card">
        <FilterBar>
          <h2 className="grow">Recent chains</h2>
          <SelectFilter
            label="Status"
            value={url.status}
            onChange={(status) => setUrl({ status })}
            testid="chains-filter-status"
            options={STATUS_OPTIONS}
            anyLabel="any"
          />
          <TextFilter
            label="Flow"
            value={url.flow}
            onChange={(flow) => setUrl({ flow })}
            testid="chains-filter-flow"
          />
        </FilterBar>
        <ListControls
          state={controls}
          onRefresh={() => void chains.refetch()}
          fetching={chains.isRefetching}
          rows={items}
          exportName="chains"
          testid="chain-list-controls"
        />
        <ListRows
          query={chains}
          loaded={items.length}
          what="chains"
          empty={
            <Empty
              title="No chains yet."
              next="A chain appears once records of one flow arrive. Place an order in the shop, or widen the filter."
            />
          }
        >
          <div className="table-scroll">
            <table className="table" data-testid="chains-table">
              <thead>
                <tr>
                  <th>Chain</th>
                  <th>Flow</th>
                  <th>Status</th>
                  <th>Started</th>
                  <th className="num">Duration</th>
                  <th className="num">Records</th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <tr key={c.id} data-testid="chain-row">
                    <td className="mono">
                      <Link href={`/chains/${encodeURIComponent(c.id)}`}>{c.id}</Link>
                    </td>
                    <td>{c.flow ?? '—'}</td>
                    <td>
                      <ChainStatusBadges status={c.status} outcome={c.outcome} />
                    </td>
                    <td>{formatRelative(c.startedAt, Date.now())}</td>
                    <td className="num">{formatDuration(c.durationMs)}</td>
                    <td className="num">{c.recordCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </ListRows>
        <LoadMore query={chains} loaded={items.length} testid="chain-paging" />
      </div>
    </div>
  );
}
