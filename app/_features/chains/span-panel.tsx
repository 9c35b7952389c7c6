'use client';

import type { Chain, Span } from '../../../lib/api/chains.ts';
import { formatDateTime, formatDuration } from '../../_lib/format.ts';
import { Badge } from '../../_components/badge.tsx';
import { spanKey } from './waterfall.tsx';

// One span's details, as Jaeger's span row opens them: attributes, status, links, timed events
// and the resource that emitted it. Names and values come from instrumented services (untrusted):
// React text only. Spans stored before the collector kept events and resources have neither; an
// empty resource says so, since every OTel SDK names at least service.name.

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
  const attrs = sortedEntries(span.attributes);
  const resource = sortedEntries(span.resource);
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
      <AttributeList entries={attrs} testid="span-attributes" />
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
      <h3>Events ({span.events.length})</h3>
      {span.events.length ? (
        <ul className="plain" data-testid="span-events">
          {span.events.map((e, i) => (
            <li key={i} data-testid="span-event">
              <span className="mono">
                {/* Offset from the span's start; an event before it (a skewed clock) shows as negative. */}
                {e.timeMs >= span.startMs ? '+' : ''}
                {formatDuration(e.timeMs - span.startMs)}
              </span>{' '}
              <strong className="mono">{e.name}</strong>
              {Object.keys(e.attributes).length ? (
                <AttributeList entries={sortedEntries(e.attributes)} />
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted" data-testid="span-events">
          None.
        </p>
      )}
      <h3>Resource attributes ({resource.length})</h3>
      {resource.length ? (
        <AttributeList entries={resource} testid="span-resource-attributes" />
      ) : (
        <p className="muted" data-testid="span-resource-attributes">
          None stored: the exporter sent none, or the span was received before the collector kept events and
          resource attributes.
        </p>
      )}
    </div>
  );
}

type Attributes = Span['attributes'];

const sortedEntries = (a: Attributes) => Object.entries(a).sort(([x], [y]) => x.localeCompare(y));

function AttributeList({ entries, testid }: { entries: [string, Attributes[string]][]; testid?: string }) {
  return (
    <dl className="kv" data-testid={testid}>
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="mono">{k}</dt>
          <dd className="mono">{String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function linkLabel(spans: readonly Span[], l: { traceId: string; spanId: string }) {
  const target = spans.find((s) => s.traceId === l.traceId && s.spanId === l.spanId);
  return target ? `${target.name} · ${target.service} (${l.spanId})` : `${l.traceId} / ${l.spanId}`;
}
