import { recordId } from '../../lib/api/common.ts';
import type { Span } from '../../lib/api/chains.ts';
import type { RecordRow, SpanRow, StoreTx } from '../store/types.ts';

// Stores received spans and joins each to the record it produced or processed: by the messaging
// attributes (topic + partition + offset), else by `messaging.message.id` = ce_id, else through
// trace context (a send span's id is the record's traceparent parent id; a process span is that
// span's child or links to it). A span whose record is not stored yet is joined when the record
// arrives (chains/tracker.ts). Spans inherit the chain of their record or trace.

const text = (v: string | number | boolean | undefined) => (v === undefined || v === '' ? null : String(v));
const int = (v: string | number | boolean | undefined) => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : null;
};
const original = (r: RecordRow) => !r.isDlq && !r.isRetry;

async function recordFor(
  tx: StoreTx,
  s: Span,
  m: { topic: string | null; partition: number | null; offset: number | null; id: string | null },
) {
  if (m.topic !== null && m.partition !== null && m.offset !== null) {
    const r = await tx.records.get(m.topic, m.partition, m.offset);
    if (r) return r;
  }
  const onTopic = (r: RecordRow) => original(r) && (m.topic === null || r.topic === m.topic);
  if (m.id) {
    const r = (await tx.records.byCeId(m.id, 10)).find(onTopic);
    if (r) return r;
  }
  if (s.kind === 'producer')
    return (await tx.records.byTraceId(s.traceId, 200)).find((r) => r.spanId === s.spanId && original(r));
  if (s.kind === 'consumer') {
    const refs = [...(s.parentSpanId ? [{ traceId: s.traceId, spanId: s.parentSpanId }] : []), ...s.links];
    for (const ref of refs) {
      const r = (await tx.records.byTraceId(ref.traceId, 200)).find(
        (x) => x.spanId === ref.spanId && onTopic(x),
      );
      if (r) return r;
    }
  }
  return undefined;
}

export async function storeSpans(tx: StoreTx, spans: readonly Span[], now: number): Promise<number> {
  let stored = 0;
  for (const s of spans) {
    const a = s.attributes;
    const m = {
      topic: text(a['messaging.destination.name']),
      partition: int(a['messaging.destination.partition.id']),
      offset: int(a['messaging.kafka.offset']),
      id: text(a['messaging.message.id']),
    };
    const rec = await recordFor(tx, s, m);
    let chainId = rec?.chainId ?? (await tx.chains.chainOfTrace(s.traceId)) ?? null;
    for (const l of s.links) {
      if (chainId) break;
      chainId = (await tx.chains.chainOfTrace(l.traceId)) ?? null;
    }
    if (chainId && !(await tx.chains.chainOfTrace(s.traceId))) {
      await tx.chains.mapTrace(s.traceId, chainId);
      await tx.spans.setChainOfTrace(s.traceId, chainId);
    }
    const row: SpanRow = {
      ...s,
      recordId: rec ? recordId(rec.topic, rec.partition, rec.offset) : null,
      chainId,
      storedAt: now,
      msgTopic: m.topic,
      msgPartition: m.partition,
      msgOffset: m.offset,
      msgId: m.id,
      msgGroup: text(a['messaging.consumer.group.name']),
    };
    if (await tx.spans.insert(row)) stored++;
  }
  return stored;
}
