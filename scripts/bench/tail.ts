import { WebSocket } from 'ws';
import { serverFrameSchema } from '../../lib/api/ws.ts';
import type { Cleanup } from './support/cleanup.ts';
import { procCpuSeconds, sampleMemory, type CollectorProcess } from './support/collector-process.ts';
import type { BenchContext } from './support/context.ts';
import { benchKafka, connectedAdmin, createBenchTopics } from './support/kafka.ts';
import { openLoopResultSchema, startProducerWorker } from './support/producer-worker.ts';
import { emit, fmtRate, mb, percentile, progress, sleep, waitUntil } from './support/report.ts';
import type { TailProducerInput } from './support/tail-producer.ts';
import { startTopicCollector } from './support/topic-collector.ts';

// Benchmark 2: live-tail latency. The collector process ingests one topic while a worker thread
// produces at a steady rate (open model: what the clock says is owed is sent, whether or not the
// last send finished) and a WebSocket client on the main thread, subscribed to everything, notes
// when each record arrives. The topic uses LogAppendTime, so a record's `timestamp` is the broker's own clock:
// latency = client receive time − broker append time (one machine, one clock).
// Two passes on one collector: a low rate it surely sustains (the path's own latency: fetch wait,
// store transaction, hub flush), then the target rate.

const B = 'tail';
const WARMUP_MS = 3000;
const LOW_RATE = 500;
const LOW_SECONDS = 10;
/** The collector may fall behind; every record is waited for, up to this long after the last send. */
const DRAIN_LIMIT_MS = 180_000;

interface TailClient {
  /** Starts collecting latencies of records with a broker time in [from, to). */
  window(from: number, to: number): void;
  take(): { latencies: number[]; received: number; dropped: number };
}

async function openClient(apiUrl: string, cleanup: Cleanup): Promise<TailClient> {
  let latencies: number[] = [];
  let received = 0;
  let dropped = 0;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.POSITIVE_INFINITY;
  const ws = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}/ws`);
  cleanup.add('close tail client', () => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const at = Date.now();
      const frame = serverFrameSchema.parse(JSON.parse(data.toString('utf8')));
      if (frame.type === 'hello') ws.send(JSON.stringify({ type: 'subscribe', filter: {} }));
      else if (frame.type === 'subscribed') resolve();
      else if (frame.type === 'dropped') dropped += frame.count;
      else if (frame.type === 'records')
        for (const r of frame.records) {
          received++;
          if (r.timestamp >= from && r.timestamp < to) latencies.push(at - r.timestamp);
        }
    });
  });
  return {
    window(f, t) {
      from = f;
      to = t;
    },
    take() {
      const out = { latencies, received, dropped };
      latencies = [];
      received = 0;
      dropped = 0;
      return out;
    },
  };
}

/** Runs the producer worker for one pass: resolves once it has generated its records and connected. */
async function startProducer(input: TailProducerInput, cleanup: Cleanup) {
  return startProducerWorker({
    script: new URL('./support/tail-producer.ts', import.meta.url),
    input,
    result: openLoopResultSchema,
    cleanup,
  });
}

async function pass(o: {
  rate: number;
  seconds: number;
  topic: string;
  brokers: string;
  client: TailClient;
  collector: CollectorProcess;
  storedBefore: number;
  runId: string;
  cleanup: Cleanup;
}) {
  const ms = WARMUP_MS + o.seconds * 1000;
  const producer = await startProducer(
    { brokers: o.brokers, topic: o.topic, runId: `${o.runId}r${o.rate}`, rate: o.rate, ms },
    o.cleanup,
  );
  progress(B, `producing ${fmtRate(o.rate)} for ${WARMUP_MS / 1000} s warm-up + ${o.seconds} s measured`);
  o.client.take();
  const t0 = Date.now();
  const cpu0 = procCpuSeconds(o.collector.pid) ?? 0;
  o.client.window(t0 + WARMUP_MS, t0 + ms);
  const { sent, achieved, maxInFlight } = await producer.run();
  progress(
    B,
    `sent ${sent.toLocaleString('en-US')} (${fmtRate(achieved)}, ≤ ${maxInFlight} sends in flight); waiting for the collector to store and send them all`,
  );
  const drainFrom = Date.now();
  let health = await o.collector.health();
  while (health.recordsStored < o.storedBefore + sent && Date.now() - drainFrom < DRAIN_LIMIT_MS) {
    await sleep(250);
    health = await o.collector.health();
  }
  await sleep(500); // a hub flush and the socket
  const drainMs = Date.now() - drainFrom;
  // Cores the collector used from the first send until every record was stored and sent.
  const cpu = ((procCpuSeconds(o.collector.pid) ?? 0) - cpu0) / ((Date.now() - t0) / 1000);
  const r = o.client.take();
  const lat = r.latencies;
  progress(
    B,
    `at ${fmtRate(achieved)}: ${lat.length} records timed, p50 ${percentile(lat, 50)} ms, p99 ${percentile(lat, 99)} ms, max ${Math.max(...lat)} ms; backlog drained ${drainMs} ms after the last send; ${r.dropped} dropped; collector CPU ${cpu.toFixed(2)} cores`,
  );
  return { ...r, sent, achieved, drainMs, cpu, stored: health.recordsStored };
}

export async function tailBench(ctx: BenchContext, cleanup: Cleanup): Promise<void> {
  const kafka = benchKafka(ctx.opts.brokers, `bench-tail-${ctx.runId}`);
  const admin = await connectedAdmin(kafka, cleanup);
  const topic = `bench-tail-${ctx.runId}-events`;
  await createBenchTopics(admin, cleanup, [
    { topic, numPartitions: 6, configs: { 'message.timestamp.type': 'LogAppendTime' } },
  ]);

  const { collector } = await startTopicCollector({ bench: B, topic, ctx, admin, cleanup });
  await waitUntil(
    'the collector to join its group',
    async () => ((await collector.health()).busConnected ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  const mem = sampleMemory(collector.pid);
  const client = await openClient(collector.apiUrl, cleanup);
  const base = { topic, brokers: ctx.opts.brokers, client, collector, runId: ctx.runId, cleanup };
  const low = await pass({ ...base, rate: LOW_RATE, seconds: LOW_SECONDS, storedBefore: 0 });
  const high = await pass({
    ...base,
    rate: ctx.opts.tailRate,
    seconds: ctx.opts.tailSeconds,
    storedBefore: low.stored,
  });
  const { peak } = mem.stop();
  await collector.stop();

  const figures = (tag: string, r: typeof high, target: boolean) => {
    const common = {
      records: r.latencies.length,
      produceRate: r.achieved,
      sent: r.sent,
      received: r.received,
      droppedByServer: r.dropped,
      drainMs: r.drainMs,
    };
    const missing = r.sent - r.received;
    emit({
      bench: B,
      figure: `latency_p50${tag}`,
      value: r.latencies.length ? percentile(r.latencies, 50) : null,
      unit: 'ms',
      ...common,
    });
    emit({
      bench: B,
      figure: `latency_p99${tag}`,
      value: r.latencies.length ? percentile(r.latencies, 99) : null,
      unit: 'ms',
      ...(target && { target: 250 }),
      ...common,
      max: r.latencies.length ? Math.max(...r.latencies) : null,
      ...(missing > 0 && {
        note: `${missing} records never reached the client (dropped by the hub, or not stored ${DRAIN_LIMIT_MS / 1000} s after the end): the real tail is worse`,
      }),
    });
    emit({ bench: B, figure: `collector_cpu${tag}`, value: Number(r.cpu.toFixed(3)), unit: 'cores', ...common });
  };
  figures(`_at_${LOW_RATE}_per_sec`, low, false);
  figures('', high, true);
  emit({
    bench: 'memory',
    figure: 'collector_peak_rss_during_tail',
    value: mb(peak),
    unit: 'MB',
    target: 500,
    records: low.sent + high.sent,
  });
}
