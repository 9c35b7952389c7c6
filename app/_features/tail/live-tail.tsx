'use client';

import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useConsoleRuntime } from '../../_lib/console-context.ts';
import { useOperatorToken } from '../../_lib/use-operator-token.ts';
import { useUrlState } from '../../_lib/use-url-state.ts';
import { useViewportHeight } from '../../_lib/use-viewport.ts';
import { Empty } from '../../_components/states.tsx';
import { VirtualList } from '../../_components/virtual-list.tsx';
import { RecordInspectorById } from '../records/record-inspector.tsx';
import { createTailBuffer } from './tail-buffer.ts';
import { filterKey, tailUrlShape, toTailFilter } from './tail-filter.ts';
import { TailHeader, TailPreview, TailSearchBack } from './tail-extras.tsx';
import { TailFilters } from './tail-filters.tsx';
import { TailRowCells } from './tail-row.tsx';
import { ConnectionBadge, TailCountsBar } from './tail-status.tsx';
import { useTailSocket } from './use-tail-socket.ts';

/** Rows kept on screen, and records held while paused: bounded, and every overflow is counted. */
export const TAIL_CAPACITY = 5_000;
export const TAIL_HOLD_CAPACITY = 20_000;
/**
 * While records stream, the list is redrawn at most this often (a single record after a quiet
 * spell still shows on the next frame). Ten redraws a second read as live; at 5,000 records/s a
 * redraw per frame only spent the frame budget replacing rows nobody could read.
 */
export const TAIL_COMMIT_INTERVAL_MS = 100;
const ROW_HEIGHT = 28;

const frame = (fn: () => void) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(fn);
  else setTimeout(fn, 16);
};

export function LiveTail() {
  const { wsUrl } = useConsoleRuntime();
  const token = useOperatorToken();
  const [url, setUrl] = useUrlState(tailUrlShape);
  // Built from the primitive fields so its identity changes only when the filter does (a new
  // selection in the URL must not re-subscribe).
  const filter = useMemo(
    () =>
      toTailFilter({
        topics: url.topics,
        types: url.types,
        key: url.key,
        correlationId: url.correlationId,
        dlqOnly: url.dlqOnly,
      }),
    [url.topics, url.types, url.key, url.correlationId, url.dlqOnly],
  );
  const key = filterKey(filter);
  const [buffer] = useState(() =>
    createTailBuffer({
      capacity: TAIL_CAPACITY,
      holdCapacity: TAIL_HOLD_CAPACITY,
      schedule: frame,
      minIntervalMs: TAIL_COMMIT_INTERVAL_MS,
    }),
  );
  const snap = useSyncExternalStore(buffer.subscribe, buffer.getSnapshot, buffer.getSnapshot);
  const [active, setActive] = useState<number | null>(null);
  const height = useViewportHeight(260, 320);

  // A new filter is a new stream: old rows would be misleading next to the new ones.
  useEffect(() => {
    buffer.clear();
    setActive(null);
  }, [buffer, key]);

  const onRecords = useCallback(
    (records: Parameters<typeof buffer.push>[0]) => buffer.push(records),
    [buffer],
  );
  const onDropped = useCallback((n: number) => buffer.noteServerDropped(n), [buffer]);
  const conn = useTailSocket({ url: wsUrl, filter, token, onRecords, onDropped });

  const selected = url.record ?? null;
  const close = useCallback(() => setUrl({ record: null }), [setUrl]);
  useEffect(() => {
    if (!selected) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [selected, close]);

  const rows = snap.rows;
  const activeIndex = active !== null && active < rows.length ? active : null;

  return (
    <div>
      <div className="page-head">
        <h1>Live tail</h1>
        <ConnectionBadge conn={conn} />
        <button
          type="button"
          className={snap.paused ? 'btn btn-primary' : 'btn btn-outline'}
          data-testid="tail-pause"
          data-paused={snap.paused ? 'true' : 'false'}
          onClick={() => (snap.paused ? buffer.resume() : buffer.pause())}
        >
          {snap.paused ? `Resume (${snap.counts.held} waiting)` : 'Pause'}
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          data-testid="tail-clear"
          onClick={() => buffer.clear()}
        >
          Clear
        </button>
        <TailCountsBar counts={snap.counts} paused={snap.paused} />
      </div>
      <TailFilters key={key} value={url} onChange={(patch) => setUrl(patch)} />
      {conn.lastError && conn.state !== 'open' ? (
        <p className="hint" data-testid="tail-connection-error">
          Live tail at <span className="mono">{wsUrl}</span>: {conn.lastError}. Retrying with backoff; check
          that the collector is running and that COLLECTOR_PUBLIC_URL is reachable from this browser.
        </p>
      ) : null}
      {conn.refused ? (
        <p className="state-error" role="alert" data-testid="tail-filter-refused">
          {conn.refused}. Shorten or fix the filter and apply it again.
        </p>
      ) : null}
      {conn.invalidFrames > 0 ? (
        <p className="hint">
          {conn.invalidFrames} frames from the collector did not match the contract and were ignored.
        </p>
      ) : null}
      <div className={selected ? 'split' : ''}>
        <div>
          <TailHeader />
          {rows.length === 0 ? (
            <Empty
              title={
                snap.paused ? 'Paused before anything arrived.' : 'No records yet — waiting for the next one.'
              }
              next={
                Object.keys(filter).length > 0
                  ? 'Nothing matches the filter so far. Widen it, or produce some traffic (place an order in the shop).'
                  : 'Records appear here as the collector stores them. Is the collector connected to Kafka?'
              }
            />
          ) : (
            <VirtualList
              testid="tail-list"
              label="Live records"
              count={rows.length}
              rowHeight={ROW_HEIGHT}
              height={height}
              firstKey={snap.firstSeq}
              follow
              activeIndex={activeIndex}
              onActivate={setActive}
              onOpen={(i) => {
                const row = rows[i];
                if (row) setUrl({ record: row.record.id }, { push: true });
              }}
              renderRow={(i) => {
                const row = rows[i]!;
                return <TailRowCells record={row.record} />;
              }}
            />
          )}
          <TailPreview recordId={activeIndex !== null ? (rows[activeIndex]?.record.id ?? null) : null} />
          {conn.refused ? null : (
            <TailSearchBack filter={filter} onOpen={(r) => setUrl({ record: r.id }, { push: true })} />
          )}
        </div>
        {selected ? <RecordInspectorById recordId={selected} onClose={close} /> : null}
      </div>
    </div>
  );
}
