import { parentPort, workerData } from 'node:worker_threads';
import kafkajs from 'kafkajs';
import type { Message, TopicMessages } from 'kafkajs';
import { z } from 'zod';
import { murmur2 } from '../../../lib/bus/murmur2.ts';
import { createDataset, datasetTopics, datasetTopicSpecs, planDataset } from './dataset.ts';
import { benchKafka, silenceNegativeTimeoutWarnings } from './kafka.ts';
import { runOpenLoop, type OpenLoopResult } from './producer-worker.ts';

// The sustained benchmark's open-loop producer, in a worker thread (kafkajs encoding at 20k+
// records/s needs an event loop of its own, or the lookups timed on the main thread would wait on
// it); the protocol and the loop are runOpenLoop's (producer-worker.ts). Records are generated as
// they are sent (the
// shop-shaped data set of the ingest benchmark, six topics, 17 partitions); each goes to the
// partition Kafka's default partitioner would choose, set explicitly so the offset of a sampled
// record is known from the send's base offset: one sample per SAMPLE_EVERY_MS goes to the main
// thread as `topic:partition:offset` with the time it was handed to the client.
// Between `ready` and `done` it posts `acked` as sends are acknowledged: their samples, and the
// running count of acknowledged records.

const { CompressionTypes } = kafkajs;
/** Records per request: keeps each partition's batch well under message.max.bytes (1 MB). */
const SEND_MAX = 500;
const SAMPLE_EVERY_MS = 100;

export const sustainedProducerInput = z.object({
  brokers: z.string(),
  topicPrefix: z.string(),
  runId: z.string(),
  rate: z.number().positive(),
  ms: z.number().positive(),
});
export type SustainedProducerInput = z.infer<typeof sustainedProducerInput>;

export interface Sample {
  readonly id: string;
  readonly producedAt: number;
}
export interface SustainedProducerResult extends OpenLoopResult {
  readonly acked: number;
}

type Placed = { topic: string; partition: number; message: Message; sample: boolean };

/** Kafka's default placement: murmur2 of the key, else round robin per topic. */
function placer(topicPrefix: string) {
  const partitions = new Map(
    datasetTopicSpecs(datasetTopics(topicPrefix)).map((s) => [s.topic, s.numPartitions]),
  );
  const next = new Map<string, number>();
  return (topic: string, key: Message['key']): number => {
    const n = partitions.get(topic) ?? 1;
    if (key !== null && key !== undefined) {
      const bytes = typeof key === 'string' ? Buffer.from(key) : key;
      return (murmur2(bytes) & 0x7fffffff) % n;
    }
    const i = next.get(topic) ?? 0;
    next.set(topic, i + 1);
    return i % n;
  };
}

async function main(port: NonNullable<typeof parentPort>) {
  const o = sustainedProducerInput.parse(workerData);
  const topics = datasetTopics(o.topicPrefix);
  const plan = planDataset(Math.ceil((o.rate * o.ms) / 1000) + o.rate);
  const source = createDataset({ topics, runId: o.runId, plan, startAt: Date.now() }).chunks(1000);
  const place = placer(o.topicPrefix);
  let buffered: Placed[] = [];
  const take = (n: number): Placed[] => {
    while (buffered.length < n) {
      const chunk = source.next();
      if (chunk.done) break;
      for (const { topic, messages } of chunk.value)
        for (const m of messages)
          buffered.push({
            topic,
            partition: place(topic, m.key),
            message: { ...m, timestamp: undefined },
            sample: false,
          });
    }
    const out = buffered.slice(0, n);
    buffered = buffered.slice(n);
    return out;
  };

  const producer = benchKafka(o.brokers, `bench-sustained-${o.runId}-producer`).producer({
    allowAutoTopicCreation: false,
  });
  let acked = 0;
  const sampleEvery = Math.max(1, Math.round((o.rate * SAMPLE_EVERY_MS) / 1000));
  let taken = 0;

  const send = (records: Placed[], track: (send: Promise<unknown>) => void) => {
    const groups = new Map<string, Placed[]>();
    for (const p of records) {
      const k = `${p.topic}\u0000${p.partition}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(p);
    }
    const byTopic = new Map<string, Message[]>();
    for (const g of groups.values())
      for (const p of g) {
        let list = byTopic.get(p.topic);
        if (!list) byTopic.set(p.topic, (list = []));
        list.push({ ...p.message, partition: p.partition });
      }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const producedAt = Date.now();
    track(
      producer.sendBatch({ topicMessages, acks: 1, compression: CompressionTypes.None }).then((meta) => {
        acked += records.length;
        const samples: Sample[] = [];
        for (const m of meta) {
          const g = groups.get(`${m.topicName}\u0000${m.partition}`);
          if (!g || m.baseOffset === undefined) continue;
          const base = Number(m.baseOffset);
          g.forEach((p, i) => {
            if (p.sample) samples.push({ id: `${p.topic}:${p.partition}:${base + i}`, producedAt });
          });
        }
        port.postMessage({ type: 'acked', samples, acked });
      }),
    );
  };

  const loop = await runOpenLoop({
    port,
    producer,
    rate: o.rate,
    ms: o.ms,
    maxInFlight: 32,
    maxPerTick: 32 * SEND_MAX,
    sendOwed: (owed, track) => {
      const records = take(owed);
      if (!records.length) return 0;
      // One sample per SAMPLE_EVERY_MS of offered records (every `sampleEvery`-th record), so
      // a tick that sends a backlog samples it as densely as any other.
      for (const r of records) if (taken++ % sampleEvery === 0) r.sample = true;
      for (let i = 0; i < records.length; i += SEND_MAX) send(records.slice(i, i + SEND_MAX), track);
      return records.length;
    },
  });
  const result: SustainedProducerResult = { ...loop, acked };
  port.postMessage({ type: 'done', result });
}

silenceNegativeTimeoutWarnings();
if (parentPort) await main(parentPort);
