import { createEmbeddedBus } from '../../../lib/bus/embedded.ts';

import { silentLogger } from '../../../lib/logger.ts';
import { createCollector, loadCollectorConfig } from '../../../collector/index.ts';
import { produceRecordsOf, type TopicMessages } from './dataset.ts';
import { sleep } from './report.ts';

// Fills a store file through a whole collector (`createCollector`) fed by the embedded bus, in
// this process: what ends up in the store is exactly what the collector derives from those
// records (chains, sagas, DLQ entries, anomalies), without the cost of Kafka in between. Used when
// queries run without ingest. Production is paced by what has been stored, so the embedded log
// never holds more than a window of records.

const WINDOW = 20_000;

export async function seedStore(opts: {
  dbPath: string;
  dataDir: string;
  topics: readonly { topic: string; numPartitions: number }[];
  chunks: Iterable<TopicMessages>;
  onProgress?: (stored: number) => void;
}): Promise<{ records: number; ms: number }> {
  const bus = createEmbeddedBus({ retentionMs: 10 * 365 * 86_400_000, retentionRecords: 10 * WINDOW });
  const collector = createCollector({
    bus,
    config: loadCollectorConfig({
      COLLECTOR_PORT: '0',
      OTLP_PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: opts.dataDir,
      COLLECTOR_DB_PATH: opts.dbPath,
      COLLECTOR_GROUP_ID: 'bench-seed',
    }),
    logger: silentLogger(),
    lag: null,
  });
  try {
    await bus.admin.createTopics(opts.topics);
    await collector.start();
    const stored = async () => (await collector.store.records.stats()).approxCount;
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
    return { records: produced, ms: performance.now() - t0 };
  } finally {
    await collector.stop();
    await bus.close();
  }
}
