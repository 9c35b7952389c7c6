import { parentPort, workerData } from 'node:worker_threads';
import kafkajs from 'kafkajs';
import type { Message } from 'kafkajs';
import { z } from 'zod';
import { createDataset, datasetTopics, planDataset } from './dataset.ts';
import { benchKafka, silenceNegativeTimeoutWarnings } from './kafka.ts';
import { runOpenLoop, type OpenLoopResult } from './producer-worker.ts';

// The live-tail benchmark's producer, in a worker thread: at 5,000 records/s kafkajs encoding
// needs an event loop of its own, or the WebSocket client on the main thread (and the clock of
// this open-model loop) would be delayed by it. It generates every record before it posts
// `ready`; the protocol and the loop are runOpenLoop's (producer-worker.ts).

const { CompressionTypes } = kafkajs;
/** One request per this many records keeps each partition's batch under message.max.bytes (1 MB). */
const SEND_MAX = 500;

export const tailProducerInput = z.object({
  brokers: z.string(),
  topic: z.string(),
  runId: z.string(),
  rate: z.number().positive(),
  ms: z.number().positive(),
});
export type TailProducerInput = z.infer<typeof tailProducerInput>;

async function main(port: NonNullable<typeof parentPort>) {
  const o = tailProducerInput.parse(workerData);
  const plan = planDataset(Math.ceil((o.rate * o.ms) / 1000) + o.rate);
  const all: Message[] = [];
  for (const chunk of createDataset({
    topics: datasetTopics(`bench-tail-${o.runId}-`),
    runId: o.runId,
    plan,
  }).chunks(1000))
    for (const tm of chunk) for (const m of tm.messages) all.push({ ...m, timestamp: undefined });
  const producer = benchKafka(o.brokers, `bench-tail-${o.runId}-producer`).producer({
    allowAutoTopicCreation: false,
  });
  let next = 0;
  const result: OpenLoopResult = await runOpenLoop({
    port,
    producer,
    rate: o.rate,
    ms: o.ms,
    sendOwed: (owed, track) => {
      const end = Math.min(all.length, next + owed);
      for (let i = next; i < end; i += SEND_MAX) {
        const messages = all.slice(i, Math.min(end, i + SEND_MAX));
        track(producer.send({ topic: o.topic, messages, acks: 1, compression: CompressionTypes.None }));
      }
      const n = end - next;
      next = end;
      return n;
    },
  });
  port.postMessage({ type: 'done', result });
}

silenceNegativeTimeoutWarnings();
if (parentPort) await main(parentPort);
