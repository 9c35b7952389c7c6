import { describe, expect, it } from 'vitest';
import type { RecordSummary } from '../../lib/api/records.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { RecordBatch } from '../../lib/bus/types.ts';
import { loadCollectorConfig } from '../config.ts';
import { createTailFeed } from './tail-feed.ts';

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
