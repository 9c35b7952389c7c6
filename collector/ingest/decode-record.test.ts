import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSpringDltHeaders } from '../../lib/events/dlq.ts';
import { decodeRecord } from './decode-record.ts';

const opts = { maxValueBytes: 64, dlqSuffixes: ['-parking'], now: 1 };
const rec = (p: {
  topic?: string;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: { key: string; value: Buffer }[];
}) => ({
  topic: p.topic ?? 't',
  partition: 0,
  offset: 5,
  timestamp: 1000,
  key: p.key ?? null,
  value: p.value === undefined ? Buffer.from('{}') : p.value,
  headers: p.headers ?? [],
});

describe('decodeRecord', () => {
  it('never throws and keeps sizes and headers, whatever the bytes', () => {
    const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.option(bytes),
        fc.option(bytes),
        fc.array(
          fc.record({
            key: fc.oneof(
              fc.constantFrom(
                'ce_id',
                'ce_time',
                'traceparent',
                'kafka_dlt-original-offset',
                'content-type',
                'ce_specversion',
              ),
              fc.string(),
            ),
            value: bytes,
          }),
          { maxLength: 30 },
        ),
        (topic, key, value, headers) => {
          const d = decodeRecord(rec({ topic, key, value, headers }), opts);
          expect(d.record.valueSize).toBe(value?.length ?? 0);
          expect(d.record.headers).toHaveLength(headers.length);
          expect(d.record.value?.length ?? 0).toBeLessThanOrEqual(64);
          expect(() => JSON.stringify(d.record.headers)).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('classifies values and names what is wrong with them', () => {
    expect(decodeRecord(rec({ value: null }), opts).record.valueKind).toBe('tombstone');
    expect(decodeRecord(rec({ value: Buffer.alloc(0) }), opts).record.valueKind).toBe('empty');
    expect(decodeRecord(rec({ value: Buffer.from('[1,2]') }), opts).payload).toEqual([1, 2]);
    expect(decodeRecord(rec({ value: Buffer.from('42') }), opts).record.valueKind).toBe('text');
    const notJson = decodeRecord(
      rec({
        value: Buffer.from('{oops'),
        headers: [{ key: 'content-type', value: Buffer.from('application/json') }],
      }),
      opts,
    );
    expect(notJson.malformed).toEqual(['not_json']);
    const big = decodeRecord(rec({ value: Buffer.alloc(100, 0x41) }), opts);
    expect(big.record).toMatchObject({ valueTruncated: true, valueSize: 100, valueKind: 'text' });
    expect(big.record.value).toHaveLength(64);
    expect(big.malformed).toContain('truncated');
  });

  it('tells dead-letter, retry and redriven records apart', () => {
    const spring = encodeSpringDltHeaders({
      originTopic: 'orders',
      originPartition: 1,
      originOffset: 9,
      originTimestamp: 5,
      group: 'g',
      error: { fqcn: 'E', message: 'm' },
    });
    expect(decodeRecord(rec({ topic: 'orders-dlt', headers: spring }), opts).record).toMatchObject({
      isDlq: true,
      isRetry: false,
    });
    expect(decodeRecord(rec({ topic: 'anything', headers: spring }), opts).record.isDlq).toBe(true);
    // Dead-letter headers on the origin topic itself: a redriven record, not a dead letter.
    expect(decodeRecord(rec({ topic: 'orders', headers: spring }), opts).record.isDlq).toBe(false);
    expect(decodeRecord(rec({ topic: 'orders-retry', headers: spring }), opts).record).toMatchObject({
      isDlq: false,
      isRetry: true,
    });
    expect(decodeRecord(rec({ topic: 'orders-parking' }), opts).record.dlq).toMatchObject({
      convention: 'name-only',
      originTopic: 'orders',
    });
  });
});
