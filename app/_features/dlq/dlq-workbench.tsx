'use client';

import { useMemo, useState } from 'react';
import { useUrlState } from '../../_lib/use-url-state.ts';
import { FilterBar, SelectFilter, TextFilter } from '../../_components/filter-bar.tsx';
import { Empty, QueryStates } from '../../_components/states.tsx';
import { dlqUrlShape, useDlqEntries, useDlqGroups, type DlqFilter } from './api.ts';
import { ListControls, useListControls } from '../../_components/list-controls.tsx';
import { ListRows, LoadMore, usePagedItems } from '../../_components/cursor-list.tsx';
import { BulkReplayDialog, type BulkTarget } from './bulk-replay-dialog.tsx';
import { DlqGroups } from './dlq-groups.tsx';
import { DlqTable } from './dlq-table.tsx';

const STATUSES = ['unresolved', 'replayed', 'resolved', 'quarantined'] as const;
const TEXT_FILTERS = [
  { name: 'dlqTopic', label: 'DLQ topic' },
  { name: 'originTopic', label: 'Origin topic' },
  { name: 'errorClass', label: 'Error class' },
  { name: 'key', label: 'Key' },
] as const;

export function DlqWorkbench() {
  const [url, setUrl] = useUrlState(dlqUrlShape);
  const filter: DlqFilter = useMemo(
    () => ({
      dlqTopic: url.dlqTopic,
      originTopic: url.originTopic,
      errorClass: url.errorClass,
      key: url.key,
      status: url.status,
    }),
    [url.dlqTopic, url.originTopic, url.errorClass, url.key, url.status],
  );
  const controls = useListControls();
  const entries = useDlqEntries({ ...filter, from: controls.from }, controls);
  const groups = useDlqGroups({});
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulk, setBulk] = useState<BulkTarget | null>(null);
  const items = usePagedItems(entries);
  const hasFilter = Object.values(filter).some((v) => v !== undefined);

  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div>
      <div className="page-head">
        <h1>Dead letters</h1>
        <span className="muted">
          Records that failed processing, where they came from and why. Replay once the cause is fixed.
        </span>
      </div>
      <div className="split split-left">
        <div>
          <QueryStates query={groups} what="DLQ groups" />
          {groups.data ? (
            <DlqGroups
              groups={groups.data}
              active={filter}
              onPickOrigin={(dlqTopic) =>
                setUrl({ dlqTopic: filter.dlqTopic === dlqTopic ? null : dlqTopic })
              }
              onPickError={(errorClass) =>
                setUrl({ errorClass: filter.errorClass === errorClass ? null : errorClass })
              }
            />
          ) : null}
        </div>
        <div className="card">
          <FilterBar testid="dlq-filters">
            {TEXT_FILTERS.map(({ name, label }) => (
              <TextFilter
                key={name}
                label={label}
                value={url[name]}
                onChange={(value) => setUrl({ [name]: value })}
                testid={`filter-${name}`}
              />
            ))}
            <SelectFilter
              label="Status"
              value={url.status}
              onChange={(status) => setUrl({ status })}
              testid="filter-status"
              options={STATUSES}
              anyLabel="any"
            />
            {hasFilter ? (
              <button
                type="button"
                className="btn btn-ghost"
                onClick={() =>
                  setUrl({ dlqTopic: null, originTopic: null, errorClass: null, key: null, status: null })
                }
              >
                Clear filters
              </button>
            ) : null}
          </FilterBar>
          <ListControls
            state={controls}
            onRefresh={() => void entries.refetch()}
            fetching={entries.isRefetching}
            rows={items}
            exportName="dead-letters"
            testid="dlq-list-controls"
          />
          <div className="row mb8">
            <button
              type="button"
              className="btn btn-outline"
              disabled={selected.size === 0}
              data-testid="bulk-replay-selected"
              onClick={() => setBulk({ kind: 'ids', ids: [...selected] })}
            >
              Replay selected ({selected.size})…
            </button>
            <button
              type="button"
              className="btn btn-outline"
              disabled={items.length === 0}
              data-testid="bulk-replay-filter"
              onClick={() => setBulk({ kind: 'filter', filter: { ...filter, from: controls.from } })}
            >
              Replay all matching {hasFilter ? 'this filter' : 'entries'}…
            </button>
          </div>
          <ListRows
            query={entries}
            loaded={items.length}
            what="dead letters"
            empty={
              <Empty
                title={
                  hasFilter
                    ? 'No dead letters match this filter.'
                    : 'No dead letters. Nothing has failed for good.'
                }
                next={
                  hasFilter
                    ? 'Clear the filter to see all entries.'
                    : 'Failed records appear here once a consumer gives up on them and writes them to a -dlt topic.'
                }
              />
            }
          >
            <DlqTable
              entries={items}
              selected={selected}
              onToggle={toggle}
              onToggleAll={(checked) => setSelected(checked ? new Set(items.map((e) => e.id)) : new Set())}
            />
          </ListRows>
          <LoadMore query={entries} loaded={items.length} testid="dlq-paging" />
        </div>
      </div>
      <BulkReplayDialog target={bulk} onClose={() => setBulk(null)} />
    </div>
  );
}
