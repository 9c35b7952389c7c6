import { describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../lib/bus/embedded.ts';
import type { BusAdmin } from '../../lib/bus/types.ts';
import { createLogger } from '../../lib/logger.ts';
import { createTrafficCounter } from '../topology/traffic.ts';
import { createTopicCatalog } from './catalog.ts';

// The topic catalog on the embedded bus: roles from names and configs, timestamp types, and no
// broker call per request once a describe has failed.

function catalog(admin: BusAdmin, now = () => 1_000_000) {
  return createTopicCatalog({
    admin,
    topicPattern: /^(?!__).*$/,
    dlqSuffixes: [],
    traffic: createTrafficCounter({ windowMs: 60_000, now }),
    now,
    logger: createLogger({ level: 'silent' }),
  });
}

describe('topic catalog', () => {
  it('gives each topic its role, partitions and timestamp type', async () => {
    const bus = createEmbeddedBus();
    await bus.admin.createTopics([
      { topic: 'orders', numPartitions: 2 },
      { topic: 'profiles', numPartitions: 1, configs: { 'cleanup.policy': 'compact' } },
      { topic: 'orders-retry', numPartitions: 1 },
      { topic: 'orders-dlt', numPartitions: 1 },
      { topic: 'ticks', numPartitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } },
    ]);
    const c = catalog(bus.admin);
    const list = await c.list();
    expect(Object.fromEntries(list.items.map((t) => [t.name, t.role]))).toEqual({
      orders: 'data',
      'orders-dlt': 'dlq',
      'orders-retry': 'retry',
      profiles: 'compacted',
      ticks: 'data',
    });
    expect(list.items.find((t) => t.name === 'orders')?.partitions).toHaveLength(2);
    expect(list.configsKnown).toBe(true);
    expect([...(await c.timestampTypes(['ticks', 'orders']))]).toEqual([
      ['ticks', 'LogAppendTime'],
      ['orders', 'CreateTime'],
    ]);
    await bus.close();
  });

  it('caches a failed describe as unknown instead of asking the broker on every read', async () => {
    const bus = createEmbeddedBus();
    let calls = 0;
    const admin: BusAdmin = {
      ...bus.admin,
      topicConfigs: () => {
        calls++;
        return Promise.reject(new Error('unknown topic'));
      },
    };
    const c = catalog(admin);
    for (let i = 0; i < 3; i++) expect((await c.timestampTypes(['a', 'b'])).get('a')).toBeNull();
    expect(calls).toBe(1);
    await bus.close();
  });
});
