import { describe, expect, it, vi } from 'vitest';
import type { RecordSummary } from '../../lib/api/records.ts';
import type { RecordBatch } from '../../lib/bus/types.ts';
import { silentLogger } from '../../lib/logger.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { encodeBatch } from '../../lib/testing/kafka-batch-encoder.ts';
import { loadCollectorConfig } from '../config.ts';
import * as decodeModule from '../ingest/decode-record.ts';
import { decodeOptionsOf } from '../ingest/decode-record.ts';
import { loadSagaDefinitions } from '../sagas/definitions.ts';
import { createSqliteStore } from '../store/sqlite/index.ts';
import { createChunkDecoder } from './decode-chunk.ts';
import { createDecodeAhead } from './decode-ahead.ts';
import { createInlineEngine } from './index.ts';
import { kafkaChunks } from './land.ts';
import { packBatches } from './protocol.ts';

// The live tail's records are decoded once: as a watched batch reaches the engine, its records go
// to the tail and, once landed, indexing takes them as decoded instead of decoding the bytes again.
// What indexing takes must be exactly what it would have decoded itself.

vi.mock('../ingest/decode-record.ts', async (original) => {
  const m = await original<typeof decodeModule>();
  return { ...m, decodeRecord: vi.fn(m.decodeRecord) };
});

const MAX_BATCH_BYTES = 65_536;
const json = (n: number) => Buffer.from(JSON.stringify({ type: 'OrderPlaced', n }));

/** Kafka record batches as a raw consumer hands them over: gzip, a bomb past the bound, plain. */
function rawBatch(highWatermark = 7): RecordBatch {
  const batches = [
    encodeBatch({ baseOffset: 0, codec: 'gzip', records: [0, 1, 2].map((n) => ({ value: json(n) })) }),
    encodeBatch({
      baseOffset: 3,
      codec: 'gzip',
      records: [{ value: Buffer.alloc(MAX_BATCH_BYTES * 8) }, { value: json(4) }],
    }),
    encodeBatch({
      baseOffset: 5,
      records: [5, 6].map((n) => ({
        value: json(n),
        headers: [{ key: 'traceparent', value: Buffer.from('not a traceparent') }],
      })),
    }),
  ];
  return {
    topic: 'orders',
    partition: 0,
    highWatermark,
    records: [],
    raw: { fromOffset: 0, lastOffset: 6, count: 7, batches },
  };
}

describe('records decoded on arrival', () => {
  const logger = silentLogger();
  const lateThresholdMs = 60_000;

  it('are what indexing would decode from the landed chunks, and are taken once', () => {
    const ahead = createDecodeAhead({ maxBatchBytes: MAX_BATCH_BYTES, lateThresholdMs, logger });
    const decoder = createChunkDecoder({ maxBatchBytes: MAX_BATCH_BYTES, logger });
    const config = loadCollectorConfig({});
    const [packed] = packBatches(rawBatch());
    const { tail, parts } = ahead.decode(packed!, 0, decodeOptionsOf(config, 1_000));
    // Past offset 0, and not the batch that cannot be read (indexing keeps that one as bytes).
    expect(tail.map((r) => r.offset)).toEqual([1, 2, 5, 6]);
    expect(tail.find((r) => r.offset === 5)!.anomalies).toContain('broken_trace');

    // Landed after a redelivery of offset 0: the first chunk starts at 1.
    const { chunks } = kafkaChunks(packed!, 2_000, 0);
    expect(chunks.map((c) => [c.firstOffset, c.lastOffset])).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    ahead.hold(chunks, parts);
    expect(ahead.held()).toBe(2);
    const opts = decodeOptionsOf(config, 3_000);
    for (const c of chunks) {
      const taken = ahead.take(c, 3_000);
      if (c.firstOffset === 3) expect(taken).toBeUndefined();
      else expect(taken).toEqual(decoder.decode(c, opts));
    }
    expect(ahead.held()).toBe(0);
    expect(ahead.take(chunks[0]!, 3_000)).toBeUndefined();
  });

  it('are decoded ahead up to a bound per arriving batch, held up to a bound, and dropped when indexing failed', () => {
    const ahead = createDecodeAhead({ maxBatchBytes: 64 * 1024 * 1024, lateThresholdMs, logger });
    const opts = decodeOptionsOf(loadCollectorConfig({}), 0);
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const arriving = (
      offsets: number[],
      batches = offsets.map((o) => encodeBatch({ baseOffset: o, records: [{ value: big }] })),
    ) =>
      packBatches({
        topic: 't',
        partition: 1,
        highWatermark: offsets.at(-1)! + 1,
        records: [],
        raw: { fromOffset: offsets[0]!, lastOffset: offsets.at(-1)!, count: offsets.length, batches },
      })[0]!;
    // One arriving batch of two 3 MB records: the first is decoded ahead, the second would pass
    // the 4 MB an arriving batch may take (left to indexing, not shown).
    expect(ahead.decode(arriving([0, 1]), -1, opts).tail.map((r) => r.offset)).toEqual([0]);
    // Too many records: refused from the batch's header, before anything is decoded.
    const many = encodeBatch({
      baseOffset: 0,
      records: Array.from({ length: 10_001 }, () => ({ value: json(0) })),
    });
    expect(ahead.decode(arriving([0], [many]), -1, opts)).toEqual({ tail: [], parts: [] });

    // Three arriving batches of one 3 MB record each, all decoded; 8 MB held at most: two of them.
    const chunks = [0, 1, 2].flatMap((o) => {
      const batch = arriving([o]);
      const { parts } = ahead.decode(batch, -1, opts);
      expect(parts).toHaveLength(1);
      const landed = kafkaChunks(batch, 0, o - 1).chunks;
      ahead.hold(landed, parts);
      return landed;
    });
    expect(ahead.held()).toBe(2);
    ahead.clear();
    expect(ahead.held()).toBe(0);
    expect(ahead.take(chunks[0]!, 0)).toBeUndefined();
  });

  it('go to the live tail as the engine receives them, each record decoded once', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const tail: RecordSummary[] = [];
    let indexed = 0;
    const engine = createInlineEngine({
      store,
      config: loadCollectorConfig({ COLLECTOR_MAX_BATCH_BYTES: String(MAX_BATCH_BYTES) }),
      sagaDefinitions: loadSagaDefinitions(undefined),
      logger,
      now: Date.now,
      events: {
        onIndexed: (o) => (indexed += o.reduce((n, x) => n + x.stored, 0)),
        onTail: (records) => tail.push(...records),
      },
    });
    const decodes = vi.mocked(decodeModule.decodeRecord);
    try {
      decodes.mockClear();
      // Watched: the records past offset -1 go out on arrival, before landing.
      const landed = engine.land(rawBatch(), -1);
      expect(tail.map((r) => r.offset)).toEqual([0, 1, 2, 5, 6]);
      await landed;
      // The bomb is kept as one record at its first offset: 5 decoded + 1 kept.
      await waitFor(() => indexed === 6, { what: 'the batch indexed', timeoutMs: 10_000 });
      // Five decoded on arrival and taken by indexing; the bomb's chunk decoded (and kept) there.
      expect(decodes.mock.calls.length).toBe(6);
      const stored = await store.records.list({}, { limit: 100, cursor: null });
      expect(stored.items.map((r) => r.offset).sort()).toEqual([0, 1, 2, 3, 5, 6]);

      // Not watched: nothing goes out, and indexing decodes.
      decodes.mockClear();
      await engine.land({
        topic: 'orders',
        partition: 0,
        highWatermark: 9,
        records: [],
        raw: {
          fromOffset: 7,
          lastOffset: 8,
          count: 2,
          batches: [encodeBatch({ baseOffset: 7, records: [{ value: json(7) }, { value: json(8) }] })],
        },
      });
      await waitFor(() => indexed === 8, { what: 'the second batch indexed', timeoutMs: 10_000 });
      expect(tail).toHaveLength(5);
      expect(decodes.mock.calls.length).toBe(2);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
