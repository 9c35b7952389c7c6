import type { Admin, Kafka } from 'kafkajs';
import type { Cleanup } from './cleanup.ts';
import { createDataset, datasetTopics, datasetTopicSpecs, planDataset } from './dataset.ts';
import { createBenchTopics, highWatermarks, produceChunks, sumValues } from './kafka.ts';
import { fmtRate, mb, progress } from './report.ts';

// Loads the ingest data set (dataset.ts) onto fresh topics named `bench-<bench>-<run id>-…` once,
// with kafkajs `sendBatch`, for benchmarks that then read the same bytes several times (each
// reader with its own consumer group). The topics go with the cleanup.

export async function preloadDataset(
  o: { bench: string; runId: string; records: number },
  kafka: Kafka,
  admin: Admin,
  cleanup: Cleanup,
) {
  const prefix = `bench-${o.bench}-${o.runId}-`;
  const topics = datasetTopics(prefix);
  const specs = datasetTopicSpecs(topics);
  const plan = planDataset(o.records);
  progress(
    o.bench,
    `creating ${specs.length} topics (${specs.reduce((s, t) => s + t.numPartitions, 0)} partitions), ${plan.total.toLocaleString('en-US')} records: ${plan.orders.toLocaleString('en-US')} order flows + ${plan.foreign.toLocaleString('en-US')} foreign`,
  );
  await createBenchTopics(admin, cleanup, specs);
  const dataset = createDataset({ topics, runId: o.runId, plan });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const disconnect = cleanup.add('producer disconnect', () => producer.disconnect());
  let shown = 0;
  const stats = await produceChunks(producer, dataset.chunks(4000), {
    concurrency: 4,
    onProgress: (n) => {
      if (n - shown >= 100_000) {
        shown = n;
        progress(o.bench, `loaded ${n.toLocaleString('en-US')} records`);
      }
    },
  });
  await disconnect();
  const names = specs.map((s) => s.topic);
  const high = await highWatermarks(admin, names);
  const total = sumValues(high);
  if (total !== plan.total) throw new Error(`expected ${plan.total} records on the topics, found ${total}`);
  progress(
    o.bench,
    `loaded ${total.toLocaleString('en-US')} records, ${Math.round(mb(stats.bytes))} MB of values, in ${Math.round(stats.ms / 1000)} s (${fmtRate((total / stats.ms) * 1000)})`,
  );
  return { prefix, topics, names, plan, high, total, dataset, bytes: stats.bytes };
}
