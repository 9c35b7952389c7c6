import { recordId } from '../../lib/api/common.ts';
import type { RecordRow, SpanRow } from '../store/types.ts';

type Edge = { from: string; to: string; kind: 'causation' | 'trace' | 'link' | 'correlation' };

// Edges between the records of a chain, strongest evidence first:
//   causation   ce_causationid of B is the ce_id of A (a dead letter hangs off its original);
//   trace       B's producer span descends from the process span of A (eachMessage-style);
//   link        ...or from a span that links to A's producer span (eachBatch starts new traces);
//   correlation nothing else connects B: it follows the previous record of the flow in time.
export function chainEdges(records: readonly RecordRow[], spans: readonly SpanRow[]): Edge[] {
  const idOf = (r: RecordRow) => recordId(r.topic, r.partition, r.offset);
  const byCeId = new Map<string, RecordRow>();
  for (const r of records) if (r.ceId && !r.isDlq && !r.isRetry && !byCeId.has(r.ceId)) byCeId.set(r.ceId, r);
  const span = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
  const bySpanId = new Map(spans.map((s) => [s.spanId, s]));
  const producerOf = new Map<string, string>();
  for (const r of records)
    if (r.traceId && r.spanId && !r.isDlq && !r.isRetry) producerOf.set(`${r.traceId}/${r.spanId}`, idOf(r));

  const edges: Edge[] = [];
  const seen = new Set<string>();
  const inbound = new Set<string>();
  const add = (from: string, to: string, kind: Edge['kind']) => {
    if (from === to || seen.has(`${from}>${to}`)) return;
    seen.add(`${from}>${to}`);
    inbound.add(to);
    edges.push({ from, to, kind });
  };

  for (const r of records) {
    const to = idOf(r);
    if (r.isDlq || r.isRetry) {
      const orig = r.ceId ? byCeId.get(r.ceId) : undefined;
      if (orig) add(idOf(orig), to, 'causation');
      continue;
    }
    const cause = r.causationId ? byCeId.get(r.causationId) : undefined;
    if (cause) add(idOf(cause), to, 'causation');
    if (!r.traceId || !r.spanId) continue;
    let s = span.get(`${r.traceId}/${r.spanId}`) ?? bySpanId.get(r.spanId);
    for (let depth = 0; s && depth < 8; depth++) {
      if (s.kind === 'consumer' && s.recordId && s.recordId !== to) {
        add(s.recordId, to, 'trace');
        break;
      }
      const linked = s.links
        .map((l) => producerOf.get(`${l.traceId}/${l.spanId}`))
        .find((x) => x && x !== to);
      if (linked) {
        add(linked, to, 'link');
        break;
      }
      s = s.parentSpanId ? span.get(`${s.traceId}/${s.parentSpanId}`) : undefined;
    }
  }
  const ordered = [...records].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
  for (let i = 1; i < ordered.length; i++) {
    const id = idOf(ordered[i]!);
    if (!inbound.has(id)) add(idOf(ordered[i - 1]!), id, 'correlation');
  }
  return edges;
}
