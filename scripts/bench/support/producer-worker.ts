import { Worker, type MessagePort } from 'node:worker_threads';
import type { Producer } from 'kafkajs';
import { z } from 'zod';
import type { Cleanup } from './cleanup.ts';

// Open-loop producers in a worker thread (kafkajs encoding at thousands of records/s needs an
// event loop of its own, or what the main thread times would wait on it), both ends of their
// protocol: the worker connects and posts `ready`; on the first message from the main thread it
// sends, every tick, what the clock says is owed, whether or not earlier sends finished (a slow
// collector cannot slow the offered load down); at the end it posts `done` with its account.
// Anything else it posts in between (progress) goes to the caller's handler.

const TICK_MS = 20;

export const openLoopResultSchema = z.object({
  sent: z.number(),
  /** Records/s offered over the whole window. */
  achieved: z.number(),
  maxInFlight: z.number(),
  /** The first failed send; the loop stops at it. */
  error: z.string().optional(),
});
export type OpenLoopResult = z.infer<typeof openLoopResultSchema>;

/**
 * The worker's side: connects `producer`, posts `ready`, waits for the start, then for `ms` calls
 * `sendOwed(owed, track)` each tick with the records the clock says are owed beyond those sent.
 * It returns how many it sent (0: nothing left to send, the loop ends), handing each send to
 * `track`. Resolves once the sends in flight settled and the producer disconnected; the caller
 * posts `done`.
 */
export async function runOpenLoop(o: {
  port: MessagePort;
  producer: Producer;
  rate: number;
  ms: number;
  sendOwed: (owed: number, track: (send: Promise<unknown>) => void) => number;
  /**
   * Sends in flight at most, and records handed to `sendOwed` per tick at most: past them the
   * client (or the broker) is the limit, so what is owed waits for a later tick, memory stays
   * bounded and `achieved` says what was really offered. Unbounded when not given.
   */
  maxInFlight?: number;
  maxPerTick?: number;
}): Promise<OpenLoopResult> {
  await o.producer.connect();
  o.port.postMessage({ type: 'ready' });
  await new Promise<void>((r) => o.port.once('message', () => r()));

  const t0 = Date.now();
  let sent = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let error: string | undefined;
  const track = (send: Promise<unknown>) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    send
      .catch((err: unknown) => (error ??= err instanceof Error ? err.message : JSON.stringify(err)))
      .finally(() => inFlight--);
  };
  while (Date.now() - t0 < o.ms && error === undefined) {
    const owed = Math.floor(((Date.now() - t0) / 1000) * o.rate) - sent;
    if (owed > 0 && inFlight < (o.maxInFlight ?? Infinity)) {
      const n = o.sendOwed(Math.min(owed, o.maxPerTick ?? Infinity), track);
      if (n === 0) break;
      sent += n;
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const achieved = (sent / (Date.now() - t0)) * 1000;
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  await o.producer.disconnect();
  return { sent, achieved, maxInFlight, ...(error !== undefined && { error }) };
}

const typed = z.object({ type: z.string() });

/**
 * The main thread's side: starts the worker at `script` with `input`, resolves once it is
 * connected. `run()` starts the clock and resolves with the worker's account (parsed with
 * `result`), or rejects when a send failed or the worker died or exited without one.
 */
export async function startProducerWorker<R extends OpenLoopResult>(o: {
  script: URL;
  input: unknown;
  result: z.ZodType<R>;
  cleanup: Cleanup;
  onProgress?: (message: unknown) => void;
}): Promise<{ run(): Promise<R> }> {
  const worker = new Worker(o.script, { workerData: o.input });
  const stop = o.cleanup.add('stop producer worker', async () => {
    await worker.terminate();
  });
  const done = z.object({ type: z.literal('done'), result: o.result });
  const queue: ({ type: 'ready' } | z.infer<typeof done>)[] = [];
  let wake: () => void = () => undefined;
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    wake();
  };
  worker.on('message', (raw: unknown) => {
    try {
      const { type } = typed.parse(raw);
      if (type !== 'ready' && type !== 'done') {
        if (!o.onProgress) throw new Error(`unexpected message "${type}" from the producer worker`);
        o.onProgress(raw);
        return;
      }
      queue.push(type === 'ready' ? { type } : done.parse(raw));
      wake();
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the producer worker exited (code ${code})`)));
  const next = async () => {
    while (!queue.length && !failure) await new Promise<void>((r) => (wake = r));
    if (queue.length) return queue.shift()!;
    throw failure!;
  };
  if ((await next()).type !== 'ready') throw new Error('producer worker did not get ready');
  return {
    async run() {
      worker.postMessage('start');
      const m = await next();
      await stop();
      if (m.type !== 'done') throw new Error('unexpected message from the producer worker');
      if (m.result.error) throw new Error(`produce failed: ${m.result.error}`);
      return m.result;
    },
  };
}
