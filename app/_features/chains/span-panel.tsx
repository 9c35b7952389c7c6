'use client';

import type { Chain, Span } from '../../../lib/api/chains.ts';
import { formatDateTime, formatDuration } from '../../_lib/format.ts';
import { Badge } from '../../_components/badge.tsx';
import { spanKey } from './waterfall.tsx';

// One span's details, as Jaeger's span row opens them. Attribute values come from instrumented
// services (untrusted): React text only. The collector keeps a span's attributes, status, kind,
// links and its resource's service.name; span events and other resource attributes are not stored,
// and the panel says so rather than showing an empty list as if there were none.

export function SpanPanel({ chain, spanId, onClose }: { chain: Chain; spanId: string; onClose: () => void }) {
  const span = chain.spans.find((s) => spanKey(s) === spanId);
  if (!span)
    return (
      <div className="card" data-testid="span-panel">
        <p>This span is not part of the chain (any more).</p>
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    );
  const parent = span.parentSpanId ? chain.spans.find((s) => s.spanId === span.parentSpanId) : undefined;
  const attrs = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="card" data-testid="span-panel" data-span-id={span.spanId}>
      <div className="row">
        <h2 className="grow mono">{span.name}</h2>
        <button type="button" className="btn" onClick={onClose} data-testid="span-panel-close">
          Close
        </button>
      </div>
      <dl className="kv">
        <dt>Status</dt>
        <dd>
          <Badge
            value={span.status === 'error' ? 'failed' : span.status === 'ok' ? 'complete' : 'neutral'}
            label={span.status}
            testid="span-status"
          />
        </dd>
        <dt>Kind</dt>
        <dd>{span.kind}</dd>
        <dt>Duration</dt>
        <dd data-testid="span-duration">
          {formatDuration(span.endMs - span.startMs)} (from {formatDateTime(span.startMs)})
        </dd>
        <dt>Resource</dt>
        <dd data-testid="span-resource">
          service.name = <span className="mono">{span.service}</span>
        </dd>
        <dt>Trace / span</dt>
        <dd className="mono">
          {span.traceId} / {span.spanId}
        </dd>
        <dt>Parent</dt>
        <dd className="mono">
          {parent ? `${parent.name} (${parent.spanId})` : (span.parentSpanId ?? 'root')}
        </dd>
        <dt>Record</dt>
        <dd className="mono">{span.recordId ?? '—'}</dd>
      </dl>
      <h3>Attributes ({attrs.length})</h3>
      <dl className="kv" data-testid="span-attributes">
        {attrs.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="mono">{k}</dt>
            <dd className="mono">{String(v)}</dd>
          </div>
        ))}
      </dl>
      <h3>Links ({span.links.length})</h3>
      {span.links.length ? (
        <ul data-testid="span-links">
          {span.links.map((l) => (
            <li key={`${l.traceId}:${l.spanId}`} className="mono">
              {linkLabel(chain.spans, l)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">None.</p>
      )}
      <h3>Events</h3>
      <p className="muted" data-testid="span-events">
        Not stored: the collector keeps attributes, status, links and service.name of each span, not its
        events or other resource attributes.
      </p>
    </div>
  );
}

function linkLabel(spans: readonly Span[], l: { traceId: string; spanId: string }) {
  const target = spans.find((s) => s.traceId === l.traceId && s.spanId === l.spanId);
  return target ? `${target.name} · ${target.service} (${l.spanId})` : `${l.traceId} / ${l.spanId}`;
}
