'use client';

import { useCallback, useMemo, type ComponentProps } from 'react';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { useUrlState } from '../../_lib/use-url-state.ts';
import { ExportButtons } from '../../_components/list-controls.tsx';
import { ListRows, usePagedItems } from '../../_components/cursor-list.tsx';
import { Empty } from '../../_components/states.tsx';
import { useRecordPages } from './api.ts';
import {
  explorerMode,
  explorerRequest,
  explorerUrlShape,
  fromLocalInput,
  recordsToCsv,
  recordsToJson,
  toLocalInput,
  type ExplorerMode,
  type ExplorerState,
} from './explorer-query.ts';
import { RecordInspectorById } from './record-inspector.tsx';
import { RecordTable } from './record-table.tsx';
import { TopicsTable } from './topics-table.tsx';

// Browse and search stored records: pick a topic (or partition: from its oldest offset), seek by
// offset or time, search key / header / payload text in a time range, page with the collector's
// cursors, open any record, export what is loaded. One URL = one GET /api/records request.

const MODE_LABEL: Record<ExplorerMode, string> = {
  offset: 'Partition from offset, oldest first',
  search: 'Text search, newest first',
  time: 'From a time, oldest first',
  latest: 'Newest first',
};

/** One labelled input of the search form: uncontrolled, read back by its `name` on submit. */
function Field({
  label,
  grow = false,
  ...input
}: { label: string; grow?: boolean } & ComponentProps<'input'>) {
  return (
    <label className={grow ? 'field grow' : 'field'}>
      <span>{label}</span>
      <input {...input} />
    </label>
  );
}

/** A time bound to the second, shown in local time; `fromLocalInput` reads it back. */
function TimeField({
  at,
  testid,
  ...f
}: {
  label: string;
  name: string;
  at: number | undefined;
  testid: string;
}) {
  return <Field {...f} type="datetime-local" step={1} defaultValue={toLocalInput(at)} data-testid={testid} />;
}

function SearchForm({ state, onSearch }: { state: ExplorerState; onSearch: (s: ExplorerState) => void }) {
  const num = (v: FormDataEntryValue | null) => {
    const s = typeof v === 'string' ? v.trim() : '';
    return s && /^\d+$/.test(s) ? Number(s) : undefined;
  };
  const text = (v: FormDataEntryValue | null) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  return (
    <form
      className="card"
      data-testid="records-search"
      // Remount on navigation so the inputs show what the URL (and the request) says.
      key={JSON.stringify(state)}
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        onSearch({
          topic: text(f.get('topic')),
          partition: num(f.get('partition')),
          offset: num(f.get('offset')),
          q: text(f.get('q')),
          key: text(f.get('key')),
          from: fromLocalInput(text(f.get('from')) ?? '') ?? undefined,
          to: fromLocalInput(text(f.get('to')) ?? '') ?? undefined,
          order: f.get('order') === 'asc' ? 'asc' : undefined,
        });
      }}
    >
      <div className="row">
        <Field
          label="Text in key, headers or payload"
          grow
          name="q"
          defaultValue={state.q ?? ''}
          data-testid="records-q"
          placeholder="e.g. insufficient funds"
        />
        <Field label="Key (exact)" name="key" defaultValue={state.key ?? ''} data-testid="records-key" />
      </div>
      <div className="row">
        <Field label="Topic" name="topic" defaultValue={state.topic ?? ''} data-testid="records-topic" />
        <Field
          label="Partition"
          name="partition"
          inputMode="numeric"
          size={5}
          defaultValue={state.partition ?? ''}
          data-testid="records-partition"
        />
        <Field
          label="From offset"
          name="offset"
          inputMode="numeric"
          size={8}
          defaultValue={state.offset ?? ''}
          data-testid="records-offset"
        />
        <TimeField label="From time" name="from" at={state.from} testid="records-from" />
        <TimeField label="To time" name="to" at={state.to} testid="records-to" />
        <label className="field">
          <span>Order</span>
          <select name="order" defaultValue={state.order ?? 'desc'} data-testid="records-order">
            <option value="desc">newest first</option>
            <option value="asc">oldest first (from time)</option>
          </select>
        </label>
        <button type="submit" className="btn btn-primary" data-testid="records-submit">
          Search
        </button>
      </div>
    </form>
  );
}

export function RecordsExplorer() {
  const [url, setUrl] = useUrlState(explorerUrlShape);
  const { record: selected, ...state } = url;
  const request = useMemo(() => explorerRequest(state), [JSON.stringify(state)]); // eslint-disable-line react-hooks/exhaustive-deps
  const pages = useRecordPages(request);
  const items: RecordSummary[] = usePagedItems(pages);
  const mode = explorerMode(state);
  const search = useCallback(
    (s: ExplorerState) =>
      setUrl(
        {
          topic: s.topic ?? null,
          partition: s.partition ?? null,
          offset: s.offset ?? null,
          q: s.q ?? null,
          key: s.key ?? null,
          from: s.from ?? null,
          to: s.to ?? null,
          order: s.order ?? null,
          record: null,
        },
        { push: true },
      ),
    [setUrl],
  );
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  return (
    <div data-testid="records-explorer">
      <div className="page-head">
        <h1>Records</h1>
        <span className="muted">
          Browse a topic by partition and offset or by time, search key, header and payload text.
        </span>
      </div>
      <TopicsTable
        selected={state.topic}
        onBrowse={(topic, partition, offset) => search({ topic, partition, offset })}
      />
      <SearchForm state={state} onSearch={search} />
      <div className={selected ? 'split' : ''}>
        <div className="card">
          <div className="row">
            <h2 className="grow" data-testid="records-mode" data-mode={mode}>
              {MODE_LABEL[mode]}
            </h2>
            <span className="muted" data-testid="records-count" data-count={items.length}>
              {items.length} loaded{pages.hasNextPage ? ', more available' : ''}
            </span>
            <ExportButtons
              file={`records-${stamp}`}
              json={() => recordsToJson(items)}
              csv={() => recordsToCsv(items)}
              className="btn"
              testids={{ json: 'export-json', csv: 'export-csv' }}
              disabled={!items.length}
            />
          </div>
          <ListRows
            query={pages}
            loaded={items.length}
            what="records"
            empty={
              <Empty
                title="No records match."
                next="Widen the time range, drop a filter, or try fewer words."
              />
            }
          >
            <RecordTable
              items={items}
              selected={selected ?? null}
              onSelect={(id) => setUrl({ record: id }, { push: true })}
            />
          </ListRows>
          {pages.hasNextPage ? (
            <button
              type="button"
              className="btn"
              data-testid="records-more"
              disabled={pages.isFetchingNextPage}
              onClick={() => void pages.fetchNextPage()}
            >
              {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          ) : null}
        </div>
        {selected ? (
          <RecordInspectorById recordId={selected} onClose={() => setUrl({ record: null })} />
        ) : null}
      </div>
    </div>
  );
}
