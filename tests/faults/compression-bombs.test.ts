import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { sharedBrokers } from './support/env.ts';
import { registerTestCodecs, setUpTopicCollector } from './support/topic-collector.ts';

// Compression bombs on the real broker: one record batch per codec whose records section is a few
// hundred KB on the wire and 16 MB once decompressed, against a collector bounded at 1 MB per
// batch. Each must be refused (kept as one record holding the batch's bytes, with a problem naming
// the codec and the bound), the records produced after it must be indexed as usual, and the
// collector must still be the same process.

const { CompressionTypes } = kafkajs;
const BOUND = 1024 * 1024;
const BOMB_BYTES = 16 * 1024 * 1024;
registerTestCodecs();

const CODECS = [
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

describe.skipIf(!sharedBrokers.length)('compression bombs from the broker', () => {
  const t = setUpTopicCollector({
    name: 'bombs',
    topicSuffix: 'bombs',
    topicConfig: [{ name: 'max.message.bytes', value: String(4 * 1024 * 1024) }],
    collectorEnv: { COLLECTOR_MAX_BATCH_BYTES: String(BOUND) },
  });
  const { topic, producer, record } = t;

  it('refuses each bomb as one record with a problem, and indexes what comes after it', async () => {
    const pid = t.collector.child.pid;
    const offsets: { name: string; bomb: number; after: number }[] = [];
    for (const [name, compression] of CODECS) {
      const [bomb] = await producer.send({
        topic,
        compression,
        messages: [{ key: `bomb-${name}`, value: Buffer.alloc(BOMB_BYTES) }],
      });
      const [after] = await producer.send({
        topic,
        messages: [{ key: `after-${name}`, value: `{"codec":"${name}"}` }],
      });
      offsets.push({ name, bomb: Number(bomb!.baseOffset), after: Number(after!.baseOffset) });
    }
    for (const o of offsets) {
      const after = await waitFor(() => record(o.after), {
        what: `the record after the ${o.name} bomb`,
        timeoutMs: 60_000,
      });
      expect(after.key).toBe(`after-${o.name}`);
      const bomb = (await record(o.bomb))!;
      expect(bomb.key).toBeNull();
      expect(bomb.valueKind).toBe('binary');
      // The batch as the broker sent it: far smaller than what it claims to hold.
      expect(bomb.valueSize).toBeLessThan(BOUND);
      // (Its bytes as the value: truncated to MAX_VALUE_BYTES when the batch is larger.)
      expect(bomb.problems.map((p) => p.problem)).toContain(
        `record batch not decoded (${o.name}: expands past ${BOUND} bytes); its bytes are the value`,
      );
    }
    const health = await t.collector.health();
    expect(health.recordsIndexing).toBe(0);
    expect(health.batchesQuarantined).toBe(0);
    expect(t.collector.exitCode()).toBeNull();
    expect(t.collector.child.pid).toBe(pid);
  }, 120_000);
});
