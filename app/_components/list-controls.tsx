'use client';

import { useState } from 'react';
import { toCsv } from '../_lib/export.ts';

// What every list (chains, sagas, dead letters) offers above its rows: a time range, a refresh
// control (an auto-refresh interval that can be paused, and "refresh now"), and export of the rows
// loaded so far (records: the export alone). The rows and their paging: cursor-list.tsx.

export const TIME_RANGES = [
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 60 * 60_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 60 * 60_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 60 * 60_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 60 * 60_000 },
  { value: 'all', label: 'All time', ms: null },
] as const;
export type TimeRange = (typeof TIME_RANGES)[number]['value'];

export const REFRESH_INTERVALS = [
  { value: 'off', label: 'Paused', ms: false },
  { value: '5s', label: 'Every 5 s', ms: 5_000 },
  { value: '10s', label: 'Every 10 s', ms: 10_000 },
  { value: '30s', label: 'Every 30 s', ms: 30_000 },
  { value: '60s', label: 'Every minute', ms: 60_000 },
] as const;
export type RefreshInterval = (typeof REFRESH_INTERVALS)[number]['value'];

export interface ListControlsState {
  readonly range: TimeRange;
  readonly refresh: RefreshInterval;
  /** The lower time bound to send (epoch ms), fixed when the range was picked or refreshed. */
  readonly from: number | undefined;
  readonly refetchInterval: number | false;
  setRange(range: TimeRange): void;
  setRefresh(refresh: RefreshInterval): void;
  /** Moves the window to now; the list reloads from its first page. */
  reanchor(): void;
}

/**
 * The window is anchored when picked (not recomputed every render): the bound is part of the
 * query key, and a key that changed each render would refetch without end.
 */
export function useListControls(
  initial: { range?: TimeRange; refresh?: RefreshInterval } = {},
): ListControlsState {
  const [range, setRangeState] = useState<TimeRange>(initial.range ?? 'all');
  const [refresh, setRefresh] = useState<RefreshInterval>(initial.refresh ?? '10s');
  const [anchor, setAnchor] = useState(() => Date.now());
  const rangeMs = TIME_RANGES.find((r) => r.value === range)?.ms ?? null;
  return {
    range,
    refresh,
    from: rangeMs === null ? undefined : anchor - rangeMs,
    refetchInterval: REFRESH_INTERVALS.find((r) => r.value === refresh)?.ms ?? false,
    setRange: (r) => {
      setRangeState(r);
      setAnchor(Date.now());
    },
    setRefresh,
    reanchor: () => setAnchor(Date.now()),
  };
}

/**
 * Saves `text` as a file through a temporary link. The link is attached while clicked (older
 * Firefox ignored a click on a detached one), and the object URL is revoked a moment later: the
 * click only starts the download, which still reads the URL.
 */
function downloadText(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/**
 * "Export JSON" and "Export CSV" of the rows loaded so far, as `<file>.json` / `<file>.csv`. The
 * text is made at the click, from the rows as they are then.
 */
export function ExportButtons({
  file,
  json,
  csv,
  className,
  testids,
  disabled,
}: {
  file: string;
  json: () => string;
  csv: () => string;
  className: string;
  testids: { json: string; csv: string };
  disabled: boolean;
}) {
  const formats = [
    { ext: 'json', type: 'application/json', text: json, testid: testids.json, label: 'Export JSON' },
    { ext: 'csv', type: 'text/csv', text: csv, testid: testids.csv, label: 'Export CSV' },
  ];
  return formats.map((f) => (
    <button
      key={f.ext}
      type="button"
      className={className}
      data-testid={f.testid}
      disabled={disabled}
      onClick={() => downloadText(`${file}.${f.ext}`, f.type, f.text())}
    >
      {f.label}
    </button>
  ));
}

export function ListControls({
  state,
  onRefresh,
  fetching,
  rows,
  exportName,
  testid,
}: {
  state: ListControlsState;
  onRefresh: () => void;
  fetching: boolean;
  rows: readonly object[];
  exportName: string;
  testid: string;
}) {
  return (
    <div className="list-controls" data-testid={testid}>
      <label className="field">
        <span>Time range</span>
        <select
          data-testid={`${testid}-range`}
          value={state.range}
          onChange={(e) => state.setRange(e.target.value as TimeRange)}
        >
          {TIME_RANGES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Auto-refresh</span>
        <select
          data-testid={`${testid}-refresh`}
          value={state.refresh}
          onChange={(e) => state.setRefresh(e.target.value as RefreshInterval)}
        >
          {REFRESH_INTERVALS.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="btn btn-outline"
        data-testid={`${testid}-refresh-now`}
        onClick={() => {
          state.reanchor();
          onRefresh();
        }}
        disabled={fetching}
      >
        {fetching ? 'Refreshing…' : 'Refresh now'}
      </button>
      <span className="row">
        <ExportButtons
          file={exportName}
          json={() => JSON.stringify(rows, null, 2)}
          csv={() => toCsv(rows)}
          className="btn btn-ghost"
          testids={{ json: `${testid}-export-json`, csv: `${testid}-export-csv` }}
          disabled={rows.length === 0}
        />
      </span>
    </div>
  );
}
