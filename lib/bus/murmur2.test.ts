import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './murmur2.ts';

// Reference values from Kafka's own Utils.murmur2 test vectors (org.apache.kafka.common.utils).
describe('murmur2', () => {
  it('matches Kafka for known inputs', () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of cases) expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('spreads keys over partitions deterministically', () => {
    expect(partitionForKey(Buffer.from('order-1'), 6)).toBe(partitionForKey(Buffer.from('order-1'), 6));
    const seen = new Set(Array.from({ length: 100 }, (_, i) => partitionForKey(Buffer.from(`k${i}`), 6)));
    expect(seen.size).toBe(6);
  });
});
