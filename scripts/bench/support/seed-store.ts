import { createEmbeddedBus } from '../../../lib/bus/embedded.ts';

import { silentLogger } from '../../../lib/logger.ts';
import {
  createCollector,
  loadCollectorConfig,
  type Collector,
  type Store,
} from '../../../collector/index.ts';
import { produceRecordsOf, type TopicMessages } from './dataset.ts';
import { sleep } from './report.ts';

// Fills a store file through a whole collector (`createCollector`) fed by the embedded bus, in
// this process: what ends up in the store is exactly what the collector derives from those
// records (chains, sagas, DLQ entries, anomalies), without the cost of Kafka in between. Used when
// queries run without ingest. Production is paced by what has been stored, so the embedded log
// never holds more than a window of records. With `shared` the store is a PostgreSQL database the
// collector writes as a process pointed at it would (COLLECTOR_STORE_URL, the engine inline), and
// progress is its exact count (the store's own count there is the planner's estimate).

const WINDOW = 20_000;

export interface SharedSeedStore {
  readonly url: string;
  /** Opens one collector's connection to the store (each writer is a member of its own). */
  readonly open: () => Promise<Store>;
  /** Cheap progress for pacing; may run ahead of the records actually stored (retried inserts). */
  readonly stored: () => Promise<number>;
  /** The exact count, for the end. */
  readonly exact: () => Promise<number>;
  /** Collectors writing at once, one consumer group over the embedded bus (default 1). */
  readonly writers?: number;
}

export async function seedStore(opts: {
  dbPath: string;
  dataDir: string;
  topics: readonly { topic: string; numPartitions: number }[];
  chunks: Iterable<TopicMessages>;
  onProgress?: (stored: number) => void;
  shared?: SharedSeedStore;
}): Promise<{ records: number; ms: number }> {
  const bus = createEmbeddedBus({ retentionMs: 10 * 365 * 86_400_000, retentionRecords: 10 * WINDOW });
  const config = loadCollectorConfig({
    COLLECTOR_PORT: '0',
    OTLP_PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: opts.dataDir,
    COLLECTOR_DB_PATH: opts.dbPath,
    COLLECTOR_GROUP_ID: 'bench-seed',
    ...(opts.shared && { COLLECTOR_STORE_URL: opts.shared.url }),
  });
  const collectors: Collector[] = [];
  try {
    await bus.admin.createTopics(opts.topics);
    for (let i = 0; i < (opts.shared?.writers ?? 1); i++) {
      const store = opts.shared && (await opts.shared.open());
      const collector = createCollector({
        bus,
        config,
        logger: silentLogger(),
        lag: null,
        ...(store && { store, ownsStore: true }),
      });
      collectors.push(collector);
      await collector.start();
    }
    const first = collectors[0]!;
    const stored = opts.shared?.stored ?? (async () => (await first.store.records.stats()).approxCount);
    const t0 = performance.now();
    let produced = 0;
    let shown = 0;
    for (const chunk of opts.chunks) {
      const records = produceRecordsOf(chunk);

      await bus.produce(records);
      produced += records.length;
      for (let s = await stored(); s < produced - WINDOW; s = await stored()) await sleep(50);
      if (produced - shown >= 100_000) {
        shown = produced;
        opts.onProgress?.(await stored());
      }
    }
    while ((await stored()) < produced) await sleep(50);
    if (opts.shared) while ((await opts.shared.exact()) < produced) await sleep(500);
    return { records: produced, ms: performance.now() - t0 };
  } finally {
    for (const c of collectors) await c.stop();
    await bus.close();
  }
}
