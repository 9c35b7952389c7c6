import { memo } from 'react';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { formatTime } from '../../_lib/format.ts';
import { Badge } from '../../_components/badge.tsx';

/**
 * One tail row's cells. Untrusted strings (key, type, topic) render as text only. Memoised on the
 * record: a redraw of the list re-renders only the rows whose record changed.
 */
export const TailRowCells = memo(function TailRowCells({ record }: { record: RecordSummary }) {
  return (
    <>
      <span className="cell mono muted c-time">{formatTime(record.timestamp)}</span>
      <span className="cell mono c-topic" title={record.id}>
        {record.topic} [{record.partition}] @{record.offset}
      </span>
      <span className="cell c-type" data-testid="tail-row-type">
        {record.ceType ?? (record.valueKind === 'tombstone' ? 'tombstone' : '—')}
      </span>
      <span className="cell mono c-key" data-testid="tail-row-key" title={record.key ?? ''}>
        {record.key ?? '∅'}
      </span>
      <span className="cell mono muted c-key" data-testid="tail-row-correlation">
        {record.correlationId ?? ''}
      </span>
      <span className="cell row">
        {record.isDlq ? <Badge value="failed" label="DLQ" /> : null}
        {record.isRetry ? <Badge value="pending" label="retry" /> : null}
        {record.valueKind === 'tombstone' ? <Badge value="quarantined" label="tombstone" /> : null}
        {record.anomalies.map((a) => (
          <Badge key={a} value="warning" label={a.replace('_', ' ')} />
        ))}
      </span>
    </>
  );
});
