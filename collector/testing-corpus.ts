import { randomUUID } from 'node:crypto';
import type { ProduceRecord } from '../lib/bus/types.ts';
import { encodeInt32BE } from '../lib/events/headers.ts';
import { createEnvelope, encodeEnvelopeHeaders } from '../lib/events/envelope.ts';

// Records no well-behaved producer writes, for the "never crash, keep everything" tests. Each has
// a name, so a failing assertion says which one was lost or mangled.

export interface HostileCase {
  readonly name: string;
  readonly record: ProduceRecord;
}

export function hostileCorpus(topic: string, dlqTopic: string, now = Date.now()): HostileCase[] {
  const manyHeaders = Array.from({ length: 210 }, (_, i) => ({ key: `h-${i}`, value: Buffer.from(`v${i}`) }));
  const ce = (type: string) =>
    encodeEnvelopeHeaders(
      createEnvelope({ source: 'hostile-test', type, correlationId: `hostile-${randomUUID()}` }),
    );
  return [
    { name: 'plain text', record: { topic, key: 'k-text', value: 'just some words, not JSON' } },
    {
      name: 'binary',
      record: {
        topic,
        key: Buffer.from([0, 1, 2, 0xff]),
        value: Buffer.from([0x00, 0x9f, 0x92, 0x96, 0xff, 0xfe]),
      },
    },
    {
      name: 'invalid utf8 claimed json',
      record: {
        topic,
        key: 'k-bad-utf8',
        value: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]),
        headers: { 'content-type': 'application/json' },
      },
    },
    {
      name: 'broken json',
      record: { topic, key: 'k-broken-json', value: '{"a": 1,', headers: ce('Broken') },
    },
    { name: '1 MB value', record: { topic, key: 'k-huge', value: Buffer.alloc(1024 * 1024, 0x61) } },
    { name: '210 headers', record: { topic, key: 'k-headers', value: '{}', headers: manyHeaders } },
    {
      name: 'broken traceparent',
      record: {
        topic,
        key: 'k-trace',
        value: '{"ok":true}',
        headers: { traceparent: '00-zzzz-not-a-trace-01', ce_specversion: '1.0' },
      },
    },
    {
      name: 'all-zero trace id',
      record: {
        topic,
        key: 'k-trace0',
        value: '{}',
        headers: { traceparent: `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01` },
      },
    },
    { name: 'tombstone', record: { topic, key: 'k-tomb', value: null } },
    { name: 'empty value', record: { topic, key: 'k-empty', value: Buffer.alloc(0) } },
    { name: 'no key', record: { topic, value: '{"keyless":true}' } },
    {
      name: 'binary header values',
      record: {
        topic,
        key: 'k-binhdr',
        value: '{}',
        headers: [{ key: 'weird', value: Buffer.from([0xff, 0x00, 0xfe]) }],
      },
    },
    { name: 'far past timestamp', record: { topic, key: 'k-past', value: '{}', timestamp: 1000 } },
    {
      name: 'far future timestamp',
      record: { topic, key: 'k-future', value: '{}', timestamp: now + 100 * 365 * 86_400_000 },
    },
    {
      name: 'ce_time garbage',
      record: {
        topic,
        key: 'k-cetime',
        value: '{}',
        headers: { ...Object.fromEntries(ce('Odd').map((h) => [h.key, h.value])), ce_time: 'yesterday-ish' },
      },
    },
    {
      name: 'unknown dead-letter headers',
      record: {
        topic: dlqTopic,
        key: 'k-dlq',
        value: '{"x":1}',
        headers: [
          { key: 'kafka_dlt-original-partition', value: Buffer.from([1, 2, 3]) },
          { key: 'kafka_dlt-original-offset', value: Buffer.from('not a number') },
          { key: 'kafka_dlt-exception-fqcn', value: Buffer.from([0xff, 0xfe]) },
          { key: 'retry_topic-attempts', value: encodeInt32BE(2) },
          { key: 'x-mystery', value: Buffer.from('?') },
        ],
      },
    },
  ];
}
