'use client';

import Link from 'next/link';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { formatBytes, formatDateTime, truncate } from '../../_lib/format.ts';
import { Badge } from '../../_components/badge.tsx';

// Record summaries as a table (explorer results, the chain search's fallback). Keys and types are
// untrusted record data: React text only.

export function RecordTable({
  items,
  selected,
  onSelect,
  testid = 'records-table',
}: {
  items: readonly RecordSummary[];
  selected?: string | null;
  onSelect?: (id: string) => void;
  testid?: string;
}) {
  return (
    <table className="table" data-testid={testid}>
      <thead>
        <tr>
          <th>Time</th>
          <th>Record (topic:partition:offset)</th>
          <th>Key</th>
          <th>Type</th>
          <th className="num">Size</th>
          <th>Chain</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <tr
            key={r.id}
            data-testid="record-row"
            data-record-id={r.id}
            data-offset={r.offset}
            className={`clickable${selected === r.id ? ' selected' : ''}`}
            tabIndex={onSelect ? 0 : undefined}
            onClick={onSelect ? () => onSelect(r.id) : undefined}
            onKeyDown={
              onSelect
                ? (e) => {
                    if (e.key === 'Enter') onSelect(r.id);
                  }
                : undefined
            }
          >
            <td>{formatDateTime(r.timestamp)}</td>
            <td className="mono">
              {r.id}
              {r.isDlq ? <Badge value="dlq" label="DLQ" /> : null}
              {r.isRetry ? <Badge value="retry" /> : null}
            </td>
            <td className="mono" data-testid="record-key">
              {r.key === null ? <span className="muted">null</span> : truncate(r.key, 60)}
            </td>
            <td>{r.ceType ? truncate(r.ceType, 60) : <span className="muted">—</span>}</td>
            <td className="num">{formatBytes(r.valueSize)}</td>
            <td className="mono">
              {(r.correlationId ?? r.traceId) ? (
                <Link
                  href={`/chains/${encodeURIComponent(r.id)}`}
                  onClick={(e) => e.stopPropagation()}
                  data-testid="record-chain-link"
                >
                  {truncate(r.correlationId ?? r.traceId ?? '', 36)}
                </Link>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
