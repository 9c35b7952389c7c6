import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { sharedBrokers } from './support/env.ts';
import { startTailClient } from './support/tail-client.ts';
import { registerTestCodecs, setUpTopicCollector } from './support/topic-collector.ts';

// A batch that kills the indexer, on the real broker: 100,000 small JSON records in one zstd batch
// of ~230 KB (54 MB decompressed, under the collector's bounds) decode into more objects than the
// ingest worker's heap holds, so the worker dies each time it takes the batch. The collector must
// set the batch aside after a few deaths (kept as one record holding its bytes, counted in
// /api/health and /metrics) and index what follows it, in the same process. Someone watches the
// live tail meanwhile: a watched batch is decoded as it reaches the worker, before it lands, where
// a death would come back at every redelivery and never lead to the quarantine; only a batch
// within the bounds of ingest/tail-feed.ts goes there, and this one is shown from the fetching
// thread.

const { CompressionTypes } = kafkajs;
registerTestCodecs();

describe.skipIf(!sharedBrokers.length)('a batch that crashes the indexer', () => {
  const t = setUpTopicCollector({ name: 'poison', topicSuffix: 'orders' });
  const { topic, producer, record } = t;

  it('is quarantined after the worker dies on it, and ingest goes on', async () => {
    const pid = t.collector.child.pid;
    const tail = startTailClient(`${t.collector.url.replace(/^http/, 'ws')}/ws`, {});
    try {
      await waitFor(() => tail.subscriptions.length > 0, { what: 'the tail subscribed' });
      await producer.send({ topic, messages: [{ key: 'before', value: '{"n":0}' }] });
      await waitFor(() => tail.records.some((r) => r.key === 'before'), {
        what: 'the first record on the tail',
      });
      const value = JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => ({ i })) });
      const [poison] = await producer.send({
        topic,
        compression: CompressionTypes.ZSTD,
        messages: Array.from({ length: 100_000 }, () => ({ value })),
      });
      const [after] = await producer.send({ topic, messages: [{ key: 'after', value: '{"n":1}' }] });
      const first = Number(poison!.baseOffset);
      expect(Number(after!.baseOffset)).toBe(first + 100_000);

      const next = await waitFor(() => record(first + 100_000), {
        what: 'the record after the poison batch indexed',
        timeoutMs: 120_000,
        intervalMs: 500,
      });
      expect(next.key).toBe('after');
      expect((await record(0))?.key).toBe('before');
      const setAside = (await record(first))!;
      expect(setAside.valueKind).toBe('binary');
      expect(setAside.problems.map((p) => p.problem).join('\n')).toMatch(
        /^quarantined: the indexer crashed 2 times on it; its bytes are the value/m,
      );
      // None of the batch's records was indexed one by one.
      expect(await record(first + 1)).toBeUndefined();
      const health = await t.collector.health();
      expect(health.batchesQuarantined).toBe(1);
      expect(health.recordsIndexing).toBe(0);
      const metrics = await (await fetch(`${t.collector.url}/metrics`)).text();
      expect(metrics).toContain(`causeway_ingest_quarantined_batches_total{topic="${topic}"} 1`);
      expect(t.collector.output()).toMatch(/the ingest worker died/);
      expect(t.collector.exitCode()).toBeNull();
      expect(t.collector.child.pid).toBe(pid);
      // The tail showed what came before and after the batch (the batch itself, too large to be
      // decoded on the worker as it arrives, from the fetching thread: as many of its records as
      // the client's buffer took; what was in flight when the worker died, maybe twice).
      await waitFor(() => tail.records.some((r) => r.key === 'after'), {
        what: 'the last record on the tail',
      });
      const offsets = tail.records.map((r) => r.offset);
      expect(offsets[0]).toBe(0);
      expect(offsets.at(-1)).toBe(first + 100_000);
      expect(offsets.every((o) => o >= 0 && o <= first + 100_000)).toBe(true);
      expect(tail.badFrames).toEqual([]);
    } finally {
      await tail.stop();
    }
  }, 180_000);
});
