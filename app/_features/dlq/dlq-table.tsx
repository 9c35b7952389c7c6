'use client';

import { useRouter } from 'next/navigation';
import type { DlqEntry } from '../../../lib/api/dlq.ts';
import { formatRelative, truncate } from '../../_lib/format.ts';
import { Badge } from '../../_components/badge.tsx';

export function DlqTable({
  entries,
  selected,
  onToggle,
  onToggleAll,
}: {
  entries: readonly DlqEntry[];
  selected: ReadonlySet<string>;
  onToggle: (id: string) => void;
  onToggleAll: (checked: boolean) => void;
}) {
  const router = useRouter();
  const now = Date.now();
  const open = (id: string) => router.push(`/dlq/${encodeURIComponent(id)}`);
  const allSelected = entries.length > 0 && entries.every((e) => selected.has(e.id));
  return (
    <div className="table-scroll">
      <table className="table stack-narrow dlq-table" data-testid="dlq-table">
        <thead>
          <tr>
            <th>
              <input
                type="checkbox"
                aria-label="Select all shown entries"
                checked={allSelected}
                onChange={(e) => onToggleAll(e.target.checked)}
                data-testid="dlq-select-all"
              />
            </th>
            <th>Failed</th>
            <th>Origin</th>
            <th>Error</th>
            <th>Key</th>
            <th>Type</th>
            <th className="num">Attempts</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr
              key={e.id}
              className="clickable"
              tabIndex={0}
              data-testid="dlq-row"
              data-entry-id={e.id}
              data-key={e.key ?? ''}
              onClick={() => open(e.id)}
              onKeyDown={(ev) => {
                if (ev.key === 'Enter') open(e.id);
              }}
            >
              <td onClick={(ev) => ev.stopPropagation()}>
                <input
                  type="checkbox"
                  aria-label={`Select entry ${e.id}`}
                  checked={selected.has(e.id)}
                  onChange={() => onToggle(e.id)}
                  data-testid="dlq-select"
                />
              </td>
              <td data-label="Failed" title={new Date(e.lastFailedAt).toISOString()}>
                {formatRelative(e.lastFailedAt, now)}
              </td>
              <td data-label="Origin" className="mono wrap">
                {e.originTopic ?? '?'}
                {e.originPartition !== null ? ` [${e.originPartition}]` : ''}
                {e.originOffset !== null ? ` @ ${e.originOffset}` : ''}
              </td>
              <td data-label="Error" className="wrap">
                <div className="mono">{e.errorClass ?? '—'}</div>
                {e.errorMessage ? <div className="muted">{truncate(e.errorMessage, 120)}</div> : null}
              </td>
              <td data-label="Key" className="mono wrap" title={e.key ?? ''}>
                {e.key ?? '—'}
              </td>
              <td data-label="Type">{e.ceType ?? '—'}</td>
              <td data-label="Attempts" className="num">
                {e.attempts ?? '—'}
              </td>
              <td data-label="Status" className="nowrap" data-testid="dlq-status">
                <Badge value={e.status} />
                {e.replayCount > 0 ? <span className="muted"> ×{e.replayCount}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
