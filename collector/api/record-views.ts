import { recordId } from '../../lib/api/common.ts';
import type { DecodedPart, RecordDetail, RecordSummary } from '../../lib/api/records.ts';
import { schemaDecoding, type PartOutcome } from '../schemas/index.ts';
import type { RecordRow, StoredRecord } from '../store/types.ts';

// Store rows to the REST / WebSocket shapes of lib/api/records.ts.

export const toSummary = (r: Omit<RecordRow, 'seq'>): RecordSummary => ({
  id: recordId(r.topic, r.partition, r.offset),
  topic: r.topic,
  partition: r.partition,
  offset: r.offset,
  timestamp: r.timestamp,
  storedAt: r.storedAt,
  key: r.keyText,
  keyEncoding: r.keyEncoding,
  valueKind: r.valueKind,
  valueSize: r.valueSize,
  valueTruncated: r.valueTruncated,
  ceId: r.ceId,
  ceType: r.ceType,
  ceSource: r.ceSource,
  ceTime: r.ceTime,
  causationId: r.causationId,
  correlationId: r.correlationId,
  traceId: r.traceId,
  spanId: r.spanId,
  sagaId: r.sagaId,
  sagaType: r.sagaType,
  isDlq: r.isDlq,
  isRetry: r.isRetry,
  anomalies: [...r.anomalies],
});

export function toDetail(r: StoredRecord): RecordDetail {
  const text =
    r.value && (r.valueKind === 'json' || r.valueKind === 'text') ? r.value.toString('utf8') : null;
  return {
    ...toSummary(r),
    headers: r.headers.map((h) => ({
      key: h.key,
      value: h.value,
      encoding: h.encoding,
      size: h.encoding === 'hex' ? h.value.length / 2 : Buffer.byteLength(h.value, 'utf8'),
    })),
    valueText: text,
    valueBase64: r.value && text === null ? r.value.toString('base64') : null,
    problems: r.problems.map((p) => ({
      ...(p.header !== undefined && { header: p.header }),
      problem: p.problem,
    })),
    dlq: r.dlq ? { ...r.dlq, problems: [...r.dlq.problems] } : null,
    ...decodedOf(r),
  };
}

const partView = (o: PartOutcome | undefined): DecodedPart | null =>
  !o
    ? null
    : o.ok
      ? {
          format: o.format,
          schemaId: o.schemaId,
          subject: o.subject,
          version: o.version,
          typeName: o.typeName,
          origin: o.origin,
          text: JSON.stringify(o.json),
          error: o.violations.length ? `does not match its schema: ${o.violations.join('; ')}` : null,
        }
      : {
          format: null,
          schemaId: o.schemaId,
          subject: null,
          version: null,
          typeName: null,
          origin: null,
          text: null,
          error: o.reason,
        };

/** Schema-encoded keys and values, decoded again for the view (ingest indexes but does not store them). */
function decodedOf(r: StoredRecord): Pick<RecordDetail, 'decoded'> {
  const d = schemaDecoding();
  if (!d.enabled) return {};
  const headers = r.headers.map((h) => ({
    key: h.key,
    value: Buffer.from(h.value, h.encoding === 'hex' ? 'hex' : 'utf8'),
  }));
  const out = d.decode({ topic: r.topic, key: r.key, value: r.value, headers });
  if (!out.key && !out.value) return {};
  return { decoded: { key: partView(out.key), value: partView(out.value) } };
}
