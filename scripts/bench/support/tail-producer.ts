import { parentPort, workerData } from 'node:worker_threads';
import kafkajs from 'kafkajs';
import type { Message } from 'kafkajs';
import { z } from 'zod';
import { createDataset, datasetTopics, planDataset } from './dataset.ts';
import { benchKafka } from './kafka.ts';

// The live-tail benchmark's producer, in a worker thread: at 5,000 records/s kafkajs encoding
// needs an event loop of its own, or the WebSocket client on the main thread (and the clock of
// this open-model loop) would be delayed by it. Protocol: the worker generates every record,
// posts `ready`; on `start` it sends what the clock says is owed every tick, then posts `done`.

const { CompressionTypes } = kafkajs;
const TICK_MS = 20;
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
export interface TailProducerResult {
  readonly sent: number;
  readonly achieved: number;
  readonly maxInFlight: number;
  readonly error?: string;
}

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
  await producer.connect();
  port.postMessage({ type: 'ready' });
  await new Promise<void>((r) => port.once('message', () => r()));

  const t0 = Date.now();
  let sent = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let error: string | undefined;
  while (Date.now() - t0 < o.ms && error === undefined) {
    const owed = Math.min(all.length, Math.floor(((Date.now() - t0) / 1000) * o.rate)) - sent;
    for (let i = 0; i < owed; i += SEND_MAX) {
      const messages = all.slice(sent + i, sent + Math.min(owed, i + SEND_MAX));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      producer
        .send({ topic: o.topic, messages, acks: 1, compression: CompressionTypes.None })
        .catch((err: unknown) => (error = err instanceof Error ? err.message : JSON.stringify(err)))
        .finally(() => inFlight--);
    }
    if (owed > 0) sent += owed;
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const achieved = (sent / (Date.now() - t0)) * 1000;
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  await producer.disconnect();
  const result: TailProducerResult = { sent, achieved, maxInFlight, ...(error !== undefined && { error }) };
  port.postMessage({ type: 'done', result });
}

// The same kafkajs negative-timer warning the runner silences (see run.ts), from this thread.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
});
if (parentPort) await main(parentPort);
