import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../testing/kafka-batch-encoder.ts';
import { batchParts } from './kafka-batch-parts.ts';

// How a kafkajs batch is cut into handler calls of at most maxBatchRecords: decoded messages
// anywhere, raw record batches only between batches, each part with its own offset range.

const message = (offset: number, raw?: Buffer): KafkaMessage => ({
  key: raw ? Buffer.from('marker') : Buffer.from(`k${offset}`),
  value: raw ?? Buffer.from(`v${offset}`),
  timestamp: '1000',
  attributes: 0,
  offset: String(offset),
  headers: { h: Buffer.from('x') },
});

const rawBatch = (baseOffset: number, n: number) =>
  encodeBatch({ baseOffset, records: Array.from({ length: n }, () => ({ value: Buffer.from('r') })) });

describe('batch parts', () => {
  it('cuts decoded messages into parts of at most maxRecords, in order', () => {
    const messages = Array.from({ length: 10 }, (_, i) => message(20 + i));
    const parts = batchParts(
      { topic: 't', partition: 1, messages },
      { fetchedOffset: 20, maxRecords: 4, rawBatchOf: () => null },
    );
    expect(parts.map((p) => [p.first, p.last, p.records.length])).toEqual([
      [20, 23, 4],
      [24, 27, 4],
      [28, 29, 2],
    ]);
    expect(parts[0]!.records[0]).toMatchObject({ topic: 't', partition: 1, offset: 20, timestamp: 1000 });
    expect(parts[0]!.records[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
    expect(parts.every((p) => p.raw === undefined)).toBe(true);
  });

  it('keeps raw batches whole, starts the first at the fetched offset, and never splits one', () => {
    const a = rawBatch(100, 3);
    const b = rawBatch(103, 3);
    const big = rawBatch(106, 10);
    const messages = [message(102, a), message(105, b), message(115, big)];
    const rawBatchOf = (m: KafkaMessage) => (m.key?.toString() === 'marker' ? m.value : null);
    const parts = batchParts(
      { topic: 't', partition: 0, messages },
      { fetchedOffset: 101, maxRecords: 6, rawBatchOf },
    );
    expect(parts.map((p) => [p.first, p.last, p.raw?.batches.length, p.raw?.count])).toEqual([
      [101, 105, 2, 6],
      [106, 115, 1, 10],
    ]);
    expect(parts[0]!.raw!.fromOffset).toBe(101);
    expect(parts[0]!.raw!.batches[0]).toBe(a);
  });

  it('is one part without a bound, and none for an empty batch', () => {
    const messages = Array.from({ length: 5 }, (_, i) => message(i));
    expect(
      batchParts(
        { topic: 't', partition: 0, messages },
        { fetchedOffset: 0, maxRecords: Infinity, rawBatchOf: () => null },
      ),
    ).toHaveLength(1);
    expect(
      batchParts(
        { topic: 't', partition: 0, messages: [] },
        { fetchedOffset: 0, maxRecords: 3, rawBatchOf: () => null },
      ),
    ).toEqual([]);
  });
});
