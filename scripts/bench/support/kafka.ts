import kafkajs from 'kafkajs';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import type { Cleanup } from './cleanup.ts';

const { Kafka: KafkaClient, logLevel, CompressionTypes } = kafkajs;

// Raw kafkajs for the benchmarks' own side (loading data, the bare-consumer baseline, admin),
// so the load generator never borrows the code it measures. Every topic and group made here is
// registered with the cleanup and starts with `bench-`.

export function benchKafka(brokers: string, clientId: string): Kafka {
  return new KafkaClient({
    clientId,
    brokers: brokers.split(',').map((b) => b.trim()),
    // Failures surface as rejected calls; kafkajs's own retry chatter (NOT_LEADER right after a
    // topic is created) would only clutter the progress output.
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
  });
}

/**
 * kafkajs 2.2.4 arms a timer with a negative delay on every response under Node ≥ 23 (harmless:
 * Node clamps it to 1 ms); its warning, once per connection, would flood the progress output.
 * The runner calls it, and so does each producer worker: a worker thread's `process` emits its
 * own warnings.
 */
export function silenceNegativeTimeoutWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
  });
}

export async function connectedAdmin(kafka: Kafka, cleanup: Cleanup): Promise<Admin> {
  const admin = kafka.admin();
  await admin.connect();
  cleanup.add('admin disconnect', () => admin.disconnect());
  return admin;
}

export async function createBenchTopics(
  admin: Admin,
  cleanup: Cleanup,
  topics: readonly { topic: string; numPartitions: number; configs?: Record<string, string> }[],
): Promise<void> {
  for (const t of topics)
    if (!t.topic.startsWith('bench-')) throw new Error(`refusing to create non-bench topic ${t.topic}`);
  // Registered before creation: a half-made set is deleted too.
  cleanup.add(`delete ${topics.length} topics`, async () => {
    const existing = new Set(await admin.listTopics());
    const mine = topics.map((t) => t.topic).filter((t) => existing.has(t));
    if (mine.length) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
  });
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((t) => ({
      topic: t.topic,
      numPartitions: t.numPartitions,
      replicationFactor: 1,
      // The harness caps partitions at 256 MB; a benchmark's data set must not be cut by retention.
      configEntries: Object.entries({ 'retention.bytes': '-1', ...t.configs }).map(([name, value]) => ({
        name,
        value,
      })),
    })),
  });
}

/** Deletes consumer groups by id once they have no members (a just-stopped member may linger briefly). */
export async function deleteGroups(admin: Admin, ids: readonly string[]): Promise<void> {
  const mine = ids.filter((id) => id.startsWith('bench-'));
  if (!mine.length) return;
  const existing = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
  const present = mine.filter((id) => existing.has(id));
  for (let attempt = 0; present.length && attempt < 10; attempt++) {
    try {
      await admin.deleteGroups(present);
      return;
    } catch {
      // GROUP_NOT_EMPTY while the broker expires a member that left without saying so.
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function highWatermarks(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const topic of topics)
    for (const p of await admin.fetchTopicOffsets(topic)) out.set(`${topic}:${p.partition}`, Number(p.high));
  return out;
}

export const sumValues = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** How many records a group still has to commit on `topics` (0 = committed up to every high watermark). */
export async function uncommitted(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  high: ReadonlyMap<string, number>,
): Promise<number> {
  const res = await admin.fetchOffsets({ groupId, topics: [...topics] });
  let behind = 0;
  for (const t of res)
    for (const p of t.partitions) {
      const h = high.get(`${t.topic}:${p.partition}`) ?? 0;
      const c = Number(p.offset);
      behind += Math.max(0, h - (c < 0 ? 0 : c));
    }
  return behind;
}

export interface ProduceStats {
  readonly records: number;
  readonly bytes: number;
  readonly ms: number;
}

/**
 * Sends chunks with `sendBatch`, `concurrency` batches in flight. acks=1 and no compression: this
 * is a loader, not a durability test, and the consumers measured later read the same bytes.
 */
export async function produceChunks(
  producer: Producer,
  chunks: Iterable<{ topic: string; messages: Message[] }[]>,
  opts: { concurrency: number; onProgress?: (records: number) => void },
): Promise<ProduceStats> {
  const t0 = performance.now();
  let records = 0;
  let bytes = 0;
  const inFlight = new Set<Promise<void>>();
  let failed: unknown;
  for (const topicMessages of chunks) {
    if (failed !== undefined) break;
    for (const tm of topicMessages)
      for (const m of tm.messages) {
        records++;
        bytes += m.value ? (typeof m.value === 'string' ? Buffer.byteLength(m.value) : m.value.length) : 0;
      }
    const p = producer
      .sendBatch({ topicMessages, acks: 1, compression: CompressionTypes.None })
      .then(() => opts.onProgress?.(records))
      // Kept, not thrown here: a rejection nobody awaits yet would end the process before cleanup.
      .catch((err: unknown) => void (failed ??= err))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failed !== undefined)
    throw failed instanceof Error ? failed : new Error(`sendBatch failed: ${JSON.stringify(failed)}`);
  return { records, bytes, ms: performance.now() - t0 };
}
