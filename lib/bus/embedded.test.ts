import { describe, expect, it } from 'vitest';
import { createEmbeddedBus } from './embedded.ts';

describe('embedded bus retention', () => {
  it('trims by record count and moves the log start offset', async () => {
    const bus = createEmbeddedBus({ retentionRecords: 5 });
    await bus.admin.createTopics([{ topic: 't', numPartitions: 1 }]);
    await bus.produce(Array.from({ length: 8 }, (_, i) => ({ topic: 't', value: `v${i}` })));
    expect(await bus.admin.topicOffsets('t')).toEqual([{ partition: 0, low: 3, high: 8 }]);
  });

  it('ages records by when they arrived, not by the timestamp a producer wrote', async () => {
    let clock = 1_000_000;
    const bus = createEmbeddedBus({ retentionMs: 1000, now: () => clock });
    await bus.admin.createTopics([{ topic: 't', numPartitions: 1 }]);
    await bus.produce([{ topic: 't', value: 'from 1970', timestamp: 5 }]);
    expect(await bus.admin.topicOffsets('t')).toEqual([{ partition: 0, low: 0, high: 1 }]);
    clock += 2000;
    await bus.produce([{ topic: 't', value: 'later' }]);
    expect(await bus.admin.topicOffsets('t')).toEqual([{ partition: 0, low: 1, high: 2 }]);
  });

  it('refuses unknown topics and partitions with a clear error', async () => {
    const bus = createEmbeddedBus();
    await expect(bus.produce([{ topic: 'nope', value: 'x' }])).rejects.toThrow(/Unknown topic "nope"/);
    await bus.admin.createTopics([{ topic: 't', numPartitions: 2 }]);
    await expect(bus.produce([{ topic: 't', value: 'x', partition: 2 }])).rejects.toThrow(/no partition 2/);
  });
});
