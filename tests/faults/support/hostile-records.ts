import { randomUUID } from 'node:crypto';
import type { HostileCase } from '../../../collector/testing-corpus.ts';
import type { ProduceRecord } from '../../../lib/bus/types.ts';
import { createEnvelope, encodeEnvelopeHeaders } from '../../../lib/events/envelope.ts';
import { encodeInt32BE, encodeInt64BE, normalizeHeaders } from '../../../lib/events/headers.ts';

// Records no sane producer writes, beyond collector/testing-corpus.ts (which this suite also
// produces): more headers, CloudEvents headers that are not UTF-8, a ce_id reused on another topic,
// absurd event times, pathological JSON, saga records that lie, and dead letters whose headers
// contradict each other or hold binary garbage. A case may say what its dead-letter entry must be.

export interface DlqExpectation {
  readonly convention: string;
  readonly originTopic: string | null;
  readonly originPartition?: number | null;
  readonly originOffset?: number | null;
}

export interface HostileRecordCase extends HostileCase {
  readonly dlq?: DlqExpectation;
}

export interface HostileTopics {
  /** Plain topic, max.message.bytes large enough for 1 MB values. */
  readonly main: string;
  /** A second plain topic (ce_id reuse). */
  readonly other: string;
  /** `<x>-dlq`: dead letters by name and by headers. */
  readonly dlq: string;
  /** `<x>.DLT`: Kafka Connect style. */
  readonly connectDlt: string;
}

const ce = (type: string, over: Partial<Parameters<typeof createEnvelope>[0]> = {}) =>
  encodeEnvelopeHeaders(
    createEnvelope({ source: 'hostile-test', type, correlationId: `hostile-${randomUUID()}`, ...over }),
  );

const bytes = (...b: number[]) => Buffer.from(b);

export function extraHostileCases(t: HostileTopics): HostileRecordCase[] {
  const reusedId = `reused-${randomUUID()}`;
  const nested = 50_000;
  const cases: HostileRecordCase[] = [
    {
      name: '500 headers, keys repeated',
      record: {
        topic: t.main,
        key: 'k-500',
        value: '{"many":true}',
        headers: Array.from({ length: 500 }, (_, i) => ({ key: `h-${i % 37}`, value: Buffer.from(`v${i}`) })),
      },
    },
    {
      name: 'CloudEvents and trace headers that are not UTF-8',
      record: {
        topic: t.main,
        key: 'k-ce-binary',
        value: '{"x":1}',
        headers: [
          { key: 'ce_specversion', value: bytes(0x31, 0x2e, 0x30) },
          { key: 'ce_id', value: bytes(0xff, 0xfe, 0xfd) },
          { key: 'ce_type', value: bytes(0xc3, 0x28) },
          { key: 'ce_correlationid', value: bytes(0xed, 0xa0, 0x80) },
          { key: 'traceparent', value: bytes(0x00, 0x2d, 0xff, 0x2d, 0x00) },
          { key: 'content-type', value: bytes(0xe2, 0x82) },
        ],
      },
    },
    {
      name: 'ce_id used on one topic',
      record: { topic: t.main, key: 'k-reuse', value: '{"copy":1}', headers: ce('Reused', { id: reusedId }) },
    },
    {
      name: 'the same ce_id on another topic',
      record: {
        topic: t.other,
        key: 'k-reuse',
        value: '{"copy":2}',
        headers: ce('Reused', { id: reusedId }),
      },
    },
    {
      name: 'ce_time in year 1',
      record: {
        topic: t.main,
        key: 'k-t1',
        value: '{}',
        headers: ce('Ancient', { time: '0001-01-01T00:00:00Z' }),
      },
    },
    {
      name: 'ce_time in year 9999 and a broker timestamp of 0',
      record: {
        topic: t.main,
        key: 'k-t9999',
        value: '{}',
        timestamp: 0,
        headers: ce('FromTheFuture', { time: '9999-12-31T23:59:59.999Z' }),
      },
    },
    {
      name: `JSON nested ${nested} deep`,
      record: { topic: t.main, key: 'k-nested', value: `${'['.repeat(nested)}${']'.repeat(nested)}` },
    },
    {
      name: 'JSON with __proto__ and constructor keys, claiming to be an OrderPlaced',
      record: {
        topic: t.main,
        key: 'k-proto',
        value: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"orderId":{}}',
        headers: ce('OrderPlaced'),
      },
    },
    {
      name: 'a 200 KB key',
      record: { topic: t.main, key: 'k'.repeat(200 * 1024), value: '{"bigKey":true}' },
    },
    {
      name: 'invalid UTF-8: overlong encoding and a lone surrogate',
      record: { topic: t.main, key: 'k-overlong', value: bytes(0x7b, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x7d) },
    },
    {
      name: 'JSON behind a byte-order mark',
      record: {
        topic: t.main,
        key: 'k-bom',
        value: '\ufeff{"bom":true}',
        headers: { 'content-type': 'application/json' },
      },
    },
    {
      name: 'traceparent of 10 KB, version ff',
      record: {
        topic: t.main,
        key: 'k-tp-huge',
        value: '{}',
        headers: { traceparent: `ff-${'a'.repeat(10 * 1024)}-01`, tracestate: '=,=,,===' },
      },
    },
    {
      name: 'SagaStateChanged with an unknown state, a numeric step and a foreign saga type',
      record: {
        topic: t.main,
        key: 'k-saga',
        value: '{"state":"EXPLODED","step":42,"history":"no"}',
        headers: ce('SagaStateChanged', {
          saga: { id: `hostile-saga-${randomUUID()}`, type: 'order-fulfilment', step: 'no-such-step' },
        }),
      },
    },
    {
      name: 'OrderPlaced whose payload is an array',
      record: { topic: t.main, key: 'k-order-array', value: '[1,2,3]', headers: ce('OrderPlaced') },
    },
    {
      name: 'an empty header key and an empty header value',
      record: {
        topic: t.main,
        key: 'k-empty-hdr',
        value: '{}',
        headers: [
          { key: '', value: Buffer.from('no name') },
          { key: 'empty', value: Buffer.alloc(0) },
        ],
      },
    },
    {
      name: 'Spring and Kafka Connect headers on one dead letter, binary garbage in the offset',
      record: {
        topic: t.dlq,
        key: 'k-conflict',
        value: '{"dead":true}',
        headers: [
          { key: 'kafka_dlt-original-topic', value: Buffer.from('orders-from-spring') },
          { key: 'kafka_dlt-original-partition', value: encodeInt32BE(2) },
          { key: 'kafka_dlt-original-offset', value: bytes(0xde, 0xad, 0xbe, 0xef, 0x01) },
          { key: 'kafka_dlt-exception-fqcn', value: Buffer.from('java.lang.IllegalStateException') },
          { key: '__connect.errors.topic', value: Buffer.from('orders-from-connect') },
          { key: '__connect.errors.partition', value: Buffer.from('7') },
          { key: '__connect.errors.offset', value: Buffer.from('99') },
        ],
      },
      dlq: {
        convention: 'spring',
        originTopic: 'orders-from-spring',
        originPartition: 2,
        originOffset: null,
      },
    },
    {
      name: 'Spring headers repeated with different values and sizes',
      record: {
        topic: t.dlq,
        key: 'k-repeated',
        value: '{}',
        headers: [
          { key: 'kafka_dlt-original-topic', value: Buffer.from('first') },
          { key: 'kafka_dlt-original-offset', value: encodeInt32BE(5) },
          { key: 'kafka_dlt-original-topic', value: Buffer.from('second') },
          { key: 'kafka_dlt-original-offset', value: encodeInt64BE(2n ** 62n) },
        ],
      },
      // The last occurrence is current; 2^62 is beyond a safe integer, so no offset.
      dlq: { convention: 'spring', originTopic: 'second', originOffset: null },
    },
    {
      name: 'SmallRye and Karafka headers with non-numeric positions',
      record: {
        topic: t.dlq,
        key: 'k-smallrye',
        value: bytes(0x00, 0x01),
        headers: [
          { key: 'dead-letter-topic', value: Buffer.from('smallrye-origin') },
          { key: 'dead-letter-partition', value: Buffer.from('NaN') },
          { key: 'dead-letter-reason', value: bytes(0xff) },
          { key: 'original_topic', value: Buffer.from('karafka-origin') },
        ],
      },
      dlq: { convention: 'smallrye', originTopic: 'smallrye-origin', originPartition: null },
    },
    {
      name: 'Kafka Connect dead letter with a non-numeric partition and a binary class name',
      record: {
        topic: t.connectDlt,
        key: null,
        value: 'not json at all',
        headers: [
          { key: '__connect.errors.topic', value: Buffer.from('sink-source') },
          { key: '__connect.errors.partition', value: Buffer.from('zero') },
          { key: '__connect.errors.offset', value: Buffer.from('1e999') },
          { key: '__connect.errors.exception.class.name', value: bytes(0xc3, 0x28) },
        ],
      },
      dlq: {
        convention: 'kafka-connect',
        originTopic: 'sink-source',
        originPartition: null,
        originOffset: null,
      },
    },
    {
      name: 'a dead letter known by its topic name only',
      record: { topic: t.dlq, key: 'k-name-only', value: bytes(0xfe, 0xed) },
      dlq: { convention: 'name-only', originTopic: t.dlq.replace(/-dlq$/, '') },
    },
  ];
  return cases;
}

/** What a record's value should be classified as, decided independently of the collector's decoder. */
export function expectedValueKind(record: ProduceRecord): 'json' | 'text' | 'binary' | 'tombstone' | 'empty' {
  const v = record.value;
  if (v === null) return 'tombstone';
  const buf = Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
  if (buf.length === 0) return 'empty';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return 'binary';
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? 'json' : 'text';
  } catch {
    return 'text';
  }
}

export const valueBytes = (record: ProduceRecord) =>
  record.value === null ? 0 : Buffer.byteLength(record.value);

export const headerCount = (record: ProduceRecord) => normalizeHeaders(record.headers).length;
