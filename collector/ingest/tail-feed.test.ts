import { describe, expect, it } from 'vitest';
import type { RecordSummary } from '../../lib/api/records.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { RecordBatch } from '../../lib/bus/types.ts';
import { loadCollectorConfig } from '../config.ts';
import { AHEAD_MAX_RECORDS, createTailFeed } from './tail-feed.ts';

const batch = (
  partition: number,
  offsets: number[],
  highWatermark = Math.max(...offsets) + 1,
): RecordBatch => ({
  topic: 't',
  partition,
  highWatermark,
  records: offsets.map((offset) => ({
    topic: 't',
    partition,
    offset,
    timestamp: Date.now(),
    key: null,
    value: Buffer.from(`{"n":${offset}}`),
    headers: [{ key: 'traceparent', value: Buffer.from('not a traceparent') }],
  })),
});

function feed(subscribers = true) {
  const shown: RecordSummary[] = [];
  const f = createTailFeed({
    config: loadCollectorConfig({}),
    hasSubscribers: () => subscribers,
    publish: (r) => shown.push(...r),
    now: Date.now,
    logger: silentLogger(),
  });
  return { f, shown, offsets: () => shown.map((r) => `${r.partition}:${r.offset}`) };
}

describe('live tail feed', () => {
  it('shows each fetched record once, with the anomalies it shows by itself', () => {
    const { f, shown, offsets } = feed();
    f.offer(batch(0, [0, 1, 2]));
    f.offer(batch(1, [7]));
    // Fetched again (a failed landing, a rebalance), partly new.
    f.offer(batch(0, [1, 2, 3]));
    expect(offsets()).toEqual(['0:0', '0:1', '0:2', '1:7', '0:3']);
    expect(shown[0]!.anomalies).toContain('broken_trace');
  });

  it('shows a batch handed off again when it did not land (the records may never have gone out)', () => {
    const { f } = feed();
    expect(f.handOff(batch(0, [0, 1]))).toBe(-1);
    expect(f.handOff(batch(0, [2, 3]))).toBe(1);
    // Fetched again while in flight (a rebalance): not handed off twice.
    expect(f.handOff(batch(0, [0, 1]))).toBeUndefined();
    // Both landings failed (the worker died): fetched again, they are handed off again.
    f.unclaim(batch(0, [2, 3]), 1);
    f.unclaim(batch(0, [0, 1]), -1);
    expect(f.handOff(batch(0, [0, 1, 2, 3]))).toBe(-1);
  });

  it('hands a batch to the engine to decode as it arrives, unless it is too large for that', () => {
    const { f, offsets } = feed();
    expect(f.handOff(batch(0, [0, 1]))).toBe(-1);
    expect(offsets()).toEqual([]);
    const large = batch(
      1,
      Array.from({ length: AHEAD_MAX_RECORDS + 1 }, (_, i) => i),
    );
    expect(f.handOff(large)).toBeUndefined();
    expect(offsets()).toHaveLength(AHEAD_MAX_RECORDS + 1);
  });

  it('stays quiet with no one watching and while the consumer is far behind', () => {
    const quiet = feed(false);
    quiet.f.offer(batch(0, [0]));
    expect(quiet.shown).toEqual([]);
    const { f, offsets } = feed();
    f.offer(batch(0, [0, 1], 50_000));
    f.offer(batch(0, [2, 3]));
    expect(offsets()).toEqual(['0:2', '0:3']);
  });
});
