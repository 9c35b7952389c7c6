import { parentPort, workerData } from 'node:worker_threads';
import kafkajs from 'kafkajs';
import type { Message, TopicMessages } from 'kafkajs';
import { z } from 'zod';
import { murmur2 } from '../../../lib/bus/murmur2.ts';
import { createDataset, datasetTopics, datasetTopicSpecs, planDataset } from './dataset.ts';
import { benchKafka } from './kafka.ts';

// The sustained benchmark's open-loop producer, in a worker thread (kafkajs encoding at 20k+
// records/s needs an event loop of its own, or the lookups timed on the main thread would wait on
// it). Every tick it sends what the clock says is owed, whether or not earlier sends finished, so
// a slow collector cannot slow the offered load down. Records are generated as they are sent (the
// shop-shaped data set of the ingest benchmark, six topics, 17 partitions); each goes to the
// partition Kafka's default partitioner would choose, set explicitly so the offset of a sampled
// record is known from the send's base offset: one sample per SAMPLE_EVERY_MS goes to the main
// thread as `topic:partition:offset` with the time it was handed to the client.
//
// Protocol: posts `ready` once connected; on `start` produces for `ms`, posting `samples` as sends
// are acknowledged (with the running count of acknowledged records) and `done` at the end.

const { CompressionTypes } = kafkajs;
const TICK_MS = 20;
/** Records per request: keeps each partition's batch well under message.max.bytes (1 MB). */
const SEND_MAX = 500;
const SAMPLE_EVERY_MS = 100;
const MAX_IN_FLIGHT = 32;

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
export interface SustainedProducerResult {
  readonly sent: number;
  readonly acked: number;
  readonly achieved: number;
  readonly maxInFlight: number;
  readonly error?: string;
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
  await producer.connect();
  port.postMessage({ type: 'ready' });
  await new Promise<void>((r) => port.once('message', () => r()));

  const t0 = Date.now();
  let sent = 0;
  let acked = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let nextSampleAt = t0;
  let error: string | undefined;

  const send = (records: Placed[]) => {
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
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    producer
      .sendBatch({ topicMessages, acks: 1, compression: CompressionTypes.None })
      .then((meta) => {
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
      })
      .catch((err: unknown) => (error = err instanceof Error ? err.message : JSON.stringify(err)))
      .finally(() => inFlight--);
  };

  while (Date.now() - t0 < o.ms && error === undefined) {
    const owed = Math.floor(((Date.now() - t0) / 1000) * o.rate) - sent;
    // Past MAX_IN_FLIGHT sends the client (or the broker) is the limit: what is owed waits for the
    // next tick, so memory stays bounded and `achieved` says what was really offered.
    if (owed > 0 && inFlight < MAX_IN_FLIGHT) {
      const records = take(Math.min(owed, SEND_MAX * MAX_IN_FLIGHT));
      if (!records.length) break;
      if (Date.now() >= nextSampleAt) {
        records[Math.floor(records.length / 2)]!.sample = true;
        nextSampleAt += SAMPLE_EVERY_MS;
      }
      for (let i = 0; i < records.length; i += SEND_MAX) send(records.slice(i, i + SEND_MAX));
      sent += records.length;
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const achieved = (sent / (Date.now() - t0)) * 1000;
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  await producer.disconnect();
  const result: SustainedProducerResult = {
    sent,
    acked,
    achieved,
    maxInFlight,
    ...(error !== undefined && { error }),
  };
  port.postMessage({ type: 'done', result });
}

// The kafkajs negative-timer warning the runner silences (see run.ts), from this thread.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
});
if (parentPort) await main(parentPort);
