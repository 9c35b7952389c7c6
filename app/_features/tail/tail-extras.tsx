'use client';

import type { RecordSummary } from '../../../lib/api/records.ts';
import type { TailFilter } from '../../../lib/api/ws.ts';
import { errorMessage } from '../../_lib/api-client.ts';
import { truncate } from '../../_lib/format.ts';
import { useRecord, useRecords } from '../records/api.ts';
import { toSearchBack } from './tail-filter.ts';
import { TailRowCells } from './tail-row.tsx';

// The parts of the live tail around the stream: column headers, a payload preview of the row
// in focus, and the stored records that already matched a filter before it was applied.

const PREVIEW_CHARS = 600;

export function TailHeader() {
  return (
    <div className="vrow vhead" aria-hidden="true" data-testid="tail-header">
      <span className="cell c-time">Time</span>
      <span className="cell c-topic">Topic [partition] @offset</span>
      <span className="cell c-type">Type</span>
      <span className="cell c-key">Key</span>
      <span className="cell c-key">Correlation</span>
      <span className="cell">Flags</span>
    </div>
  );
}

/** The first characters of a record's payload, pretty-printed when it is JSON. */
function previewText(valueText: string | null, valueBase64: string | null, kind: string): string {
  if (kind === 'tombstone') return '(tombstone: no value)';
  if (valueText === null) return valueBase64 ? `(binary, ${valueBase64.length} base64 chars)` : '(no value)';
  try {
    return truncate(JSON.stringify(JSON.parse(valueText)), PREVIEW_CHARS);
  } catch {
    return truncate(valueText, PREVIEW_CHARS);
  }
}

export function TailPreview({ recordId }: { recordId: string | null }) {
  const rec = useRecord(recordId);
  if (!recordId)
    return (
      <p className="tail-preview muted" data-testid="tail-preview">
        Payload preview: hover or move to a row (Enter opens the full record).
      </p>
    );
  return (
    <div className="tail-preview" data-testid="tail-preview" data-record-id={recordId}>
      <span className="mono muted">{recordId}</span>{' '}
      {rec.isPending ? (
        <span className="muted">loading…</span>
      ) : rec.isError ? (
        <span className="state-error">{errorMessage(rec.error)}</span>
      ) : (
        <code className="mono wrap" data-testid="tail-preview-value">
          {previewText(rec.data.valueText, rec.data.valueBase64, rec.data.valueKind)}
        </code>
      )}
    </div>
  );
}

/** Stored records that match the filter, newest first: what happened before it was applied. */
export function TailSearchBack({
  filter,
  onOpen,
}: {
  filter: TailFilter;
  onOpen: (r: RecordSummary) => void;
}) {
  const query = toSearchBack(filter);
  const found = useRecords(query ?? {}, query !== null);
  if (Object.keys(filter).length === 0) return null;
  return (
    <details className="card tail-back" data-testid="tail-search-back" open>
      <summary>
        Earlier matches (stored before the filter was applied)
        {found.data ? ` — ${found.data.items.length}${found.data.nextCursor ? '+' : ''}` : ''}
      </summary>
      {query === null ? (
        <p className="muted">Searching back needs at most one topic and one type; narrow the filter.</p>
      ) : found.isPending ? (
        <p className="muted">Searching…</p>
      ) : found.isError ? (
        <p className="state-error">{errorMessage(found.error)}</p>
      ) : found.data.items.length === 0 ? (
        <p className="muted" data-testid="tail-search-back-empty">
          No stored record matched.
        </p>
      ) : (
        <div className="tail-back-list">
          {found.data.items.map((r) => (
            <button
              type="button"
              key={r.id}
              className="vrow static"
              data-testid="tail-back-row"
              data-key={r.key ?? ''}
              onClick={() => onOpen(r)}
            >
              <TailRowCells record={r} />
            </button>
          ))}
        </div>
      )}
    </details>
  );
}
