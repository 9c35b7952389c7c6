'use client';

import Link from 'next/link';
import { useState } from 'react';
import type { RecordDetail } from '../../../lib/api/records.ts';
import { formatBytes, formatDateTime } from '../../_lib/format.ts';
import { Badge } from '../../_components/badge.tsx';
import { ErrorState, Loading } from '../../_components/states.tsx';
import { useRecord } from './api.ts';
import { SchemaHistoryPanel } from '../schemas/schema-history.tsx';
import { DecodedPayload } from './decoded-payload.tsx';
import { MaskedNotice } from './masked-notice.tsx';
import {
  groupHeaders,
  HEADER_GROUP_LABELS,
  headerDisplay,
  parseTraceparentText,
  payloadView,
  type HeaderView,
} from './decode-record.ts';

// The shared record inspector (tail, chains, DLQ). Every value from the record is rendered as
// React text: keys, headers and payloads are untrusted and may contain markup.

export function RecordInspectorById({ recordId, onClose }: { recordId: string; onClose?: () => void }) {
  const record = useRecord(recordId);
  if (record.isPending) return <Loading what={`record ${recordId}`} />;
  if (record.isError)
    return (
      <ErrorState error={record.error} what={`record ${recordId}`} onRetry={() => void record.refetch()} />
    );
  return <RecordInspector record={record.data} onClose={onClose} />;
}

function HeaderRows({ headers }: { headers: HeaderView[] }) {
  return (
    <dl className="kv">
      {headers.map((h, i) => {
        const shown = headerDisplay(h);
        const tp = h.key === 'traceparent' ? parseTraceparentText(h.value) : null;
        return (
          <div key={`${h.key}-${i}`} className="contents">
            <dt className="mono">{h.key}</dt>
            <dd>
              <span className="mono" data-testid="header-value">
                {shown.text}
              </span>
              {shown.note ? <span className="muted"> ({shown.note})</span> : null}
              {h.key === 'traceparent' ? (
                tp ? (
                  <div className="muted">
                    trace <span className="mono">{tp.traceId}</span> · span{' '}
                    <span className="mono">{tp.spanId}</span> · {tp.sampled ? 'sampled' : 'not sampled'}
                  </div>
                ) : (
                  <div>
                    <Badge value="failed" label="malformed traceparent" />
                  </div>
                )
              ) : null}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function Payload({ record }: { record: RecordDetail }) {
  const view = payloadView(record);
  const [raw, setRaw] = useState<'hex' | 'base64'>('hex');
  const size = `${formatBytes(record.valueSize)}${record.valueTruncated ? ', truncated by the collector' : ''}`;
  switch (view.kind) {
    case 'tombstone':
      return (
        <p data-testid="payload-tombstone">
          <Badge value="quarantined" label="Tombstone" /> Null value: on a compacted topic this deletes key{' '}
          <span className="mono">{record.key ?? '(no key)'}</span>.
        </p>
      );
    case 'empty':
      return <p className="muted">Empty value (0 bytes).</p>;
    case 'unavailable':
      return <p className="muted">Payload not available: {view.reason}.</p>;
    case 'json':
    case 'text':
      return (
        <>
          <p className="muted">
            {view.kind === 'json' ? 'JSON' : 'Text'} · {size}
          </p>
          <pre className="payload" data-testid="payload">
            {view.text}
          </pre>
        </>
      );
    case 'binary':
      return (
        <>
          <div className="row">
            <span className="muted">Binary · {size}</span>
            <button
              type="button"
              className="btn btn-ghost"
              aria-pressed={raw === 'hex'}
              onClick={() => setRaw('hex')}
            >
              Hex
            </button>
            <button
              type="button"
              className="btn btn-ghost"
              aria-pressed={raw === 'base64'}
              onClick={() => setRaw('base64')}
            >
              Base64
            </button>
          </div>
          <pre className="payload" data-testid="payload">
            {raw === 'hex' ? view.hex : view.base64}
          </pre>
        </>
      );
  }
}

export function RecordInspector({
  record: stored,
  onClose,
}: {
  record: RecordDetail;
  onClose?: (() => void) | undefined;
}) {
  // An operator's reveal replaces the masked view until another record is shown.
  const [revealed, setRevealed] = useState<RecordDetail | null>(null);
  const record = revealed?.id === stored.id ? revealed : stored;
  return (
    <div className="inspector card" data-testid="record-inspector" data-record-id={record.id}>
      <div className="row">
        <h2 className="grow mono" data-testid="inspector-title">
          {record.id}
        </h2>
        <Link href={`/chains/${encodeURIComponent(record.id)}`} data-testid="inspector-chain-link">
          Open its chain
        </Link>
        {onClose ? (
          <button
            type="button"
            className="btn btn-ghost"
            onClick={onClose}
            aria-label="Close inspector"
            data-testid="inspector-close"
          >
            ✕
          </button>
        ) : null}
      </div>
      <section>
        <dl className="kv">
          <dt>Topic</dt>
          <dd className="mono">
            {record.topic} [{record.partition}] @ {record.offset}
          </dd>
          <dt>Broker time</dt>
          <dd>{formatDateTime(record.timestamp)}</dd>
          <dt>Key</dt>
          <dd className="mono" data-testid="inspector-key">
            {record.key === null ? <span className="muted">(null)</span> : record.key}
            {record.keyEncoding === 'hex' ? <span className="muted"> (hex)</span> : null}
          </dd>
          <dt>Type</dt>
          <dd>{record.ceType ?? <span className="muted">—</span>}</dd>
          <dt>Event id</dt>
          <dd className="mono">{record.ceId ?? '—'}</dd>
          <dt>Correlation</dt>
          <dd className="mono">{record.correlationId ?? '—'}</dd>
          <dt>Causation</dt>
          <dd className="mono">{record.causationId ?? '—'}</dd>
          <dt>Trace</dt>
          <dd className="mono">{record.traceId ? `${record.traceId} / ${record.spanId ?? '—'}` : '—'}</dd>
          {record.sagaId ? (
            <>
              <dt>Saga</dt>
              <dd>
                <Link href={`/sagas/${encodeURIComponent(record.sagaId)}`}>{record.sagaId}</Link>
                {record.sagaType ? <span className="muted"> ({record.sagaType})</span> : null}
              </dd>
            </>
          ) : null}
        </dl>
        {record.anomalies.length > 0 ? (
          <div className="row spaced">
            {record.anomalies.map((a) => (
              <Badge key={a} value="failed" label={a.replace('_', ' ')} />
            ))}
          </div>
        ) : null}
      </section>
      {record.dlq ? (
        <section data-testid="inspector-dlq">
          <h3>Dead letter ({record.dlq.convention})</h3>
          <dl className="kv">
            <dt>Origin</dt>
            <dd className="mono">
              {record.dlq.originTopic ?? '?'} [{record.dlq.originPartition ?? '?'}] @{' '}
              {record.dlq.originOffset ?? '?'}
            </dd>
            <dt>Group</dt>
            <dd className="mono">{record.dlq.originGroup ?? '—'}</dd>
            <dt>Error</dt>
            <dd>
              <span className="mono">{record.dlq.errorClass ?? '—'}</span>
              {record.dlq.errorMessage ? `: ${record.dlq.errorMessage}` : ''}
            </dd>
            <dt>Attempts</dt>
            <dd>{record.dlq.attempts ?? '—'}</dd>
          </dl>
        </section>
      ) : null}
      <section>
        <h3>Payload</h3>
        <MaskedNotice record={record} onRevealed={setRevealed} />
        <DecodedPayload record={record} />
        <Payload record={record} />
      </section>
      <SchemaHistoryPanel topic={record.topic} type={record.ceType} />
      <section>
        <h3>Headers ({record.headers.length})</h3>
        {record.headers.length === 0 ? <p className="muted">No headers.</p> : null}
        {groupHeaders(record.headers).map((g) => (
          <div key={g.group} className="header-group" data-testid={`headers-${g.group}`}>
            <h3 className="muted">{HEADER_GROUP_LABELS[g.group]}</h3>
            <HeaderRows headers={g.headers} />
          </div>
        ))}
      </section>
      {record.problems.length > 0 ? (
        <section>
          <h3>Decoding problems</h3>
          <ul>
            {record.problems.map((p, i) => (
              <li key={i}>
                {p.header ? <span className="mono">{p.header}: </span> : null}
                {p.problem}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
