import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Cleanup } from './support/cleanup.ts';
import { procCpuSeconds, sampleMemory, startCollectorProcess } from './support/collector-process.ts';
import type { BenchContext } from './support/context.ts';
import { datasetTopics, datasetTopicSpecs } from './support/dataset.ts';
import { benchKafka, connectedAdmin, createBenchTopics, deleteGroups } from './support/kafka.ts';
import { openLoopResultSchema, startProducerWorker } from './support/producer-worker.ts';
import { emit, fmtRate, mb, percentile, progress, sleep, waitUntil } from './support/report.ts';
import type { Sample, SustainedProducerInput } from './support/sustained-producer.ts';

// Benchmark 6: sustained load. An open-loop producer (a worker thread; what the clock says is owed
// is sent whether or not the collector keeps up) offers shop-shaped records at each rate for
// `--sustained-seconds`, to a fresh set of topics watched by a fresh collector process. Per rate:
// - produce → queryable: one record per 100 ms is sampled; its latency is the time from handing it
//   to the producer until `GET /api/records/:id` through the collector's REST API finds it (the
//   record view reads the indexed tables, so found = indexed: in every view but text search and,
//   on a store file, sagas, which the search worker adds one round later). Lookups go to the
//   oldest waiting samples first, at most LOOKUPS_PER_ROUND every LOOKUP_EVERY_MS.
// - the most records not yet in every view at once (`recordsIndexing` of /api/health: landed and
//   not indexed, or not yet through the search worker's round), read with the backlog.
// - backlog: records acknowledged by the broker and not yet indexed (`recordsStored` of
//   /api/health), once a second; its slope over the window after WARMUP_MS, records/s. Flat means
//   the slope is under FLAT_SHARE of the rate.
// - the collector's CPU (user + system, all threads) per second of the window, and its peak RSS.
// Samples still not found GRACE_MS after the window count as censored at that time: the reported
// p99 is then a lower bound, and says so.

const B = 'sustained';
const WARMUP_MS = 10_000;
const GRACE_MS = 10_000;
const LOOKUP_EVERY_MS = 50;
const LOOKUPS_PER_ROUND = 4;
const FLAT_SHARE = 0.02;

const ackedMessage = z.object({
  type: z.literal('acked'),
  samples: z.array(z.object({ id: z.string(), producedAt: z.number() })),
  acked: z.number(),
});

/** Starts the producer worker; resolves once it is connected. `run` starts the clock. */
async function startProducer(
  input: SustainedProducerInput,
  onAcked: (samples: Sample[], acked: number) => void,
  cleanup: Cleanup,
) {
  return startProducerWorker({
    script: new URL('./support/sustained-producer.ts', import.meta.url),
    input,
    result: openLoopResultSchema.extend({ acked: z.number() }),
    cleanup,
    onProgress: (raw) => {
      const m = ackedMessage.parse(raw);
      onAcked(m.samples, m.acked);
    },
  });
}

/** Least-squares slope of (t ms, v) points, per second. */
function slopePerSecond(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mt = points.reduce((s, [t]) => s + t, 0) / n;
  const mv = points.reduce((s, [, v]) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, v] of points) {
    num += (t - mt) * (v - mv);
    den += (t - mt) ** 2;
  }
  return den ? (num / den) * 1000 : Number.NaN;
}

/** Finds sampled records through the REST API, oldest first; returns their latencies when asked. */
function startLookups(apiUrl: string) {
  const waiting: Sample[] = [];
  const found: number[] = [];
  let stopped = false;
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      const round = waiting.slice(0, LOOKUPS_PER_ROUND);
      await Promise.all(
        round.map(async (s) => {
          const res = await fetch(`${apiUrl}/api/records/${encodeURIComponent(s.id)}`).catch(() => undefined);
          if (res) await res.arrayBuffer();
          if (res?.status === 200) {
            found.push(Date.now() - s.producedAt);
            waiting.splice(waiting.indexOf(s), 1);
          } else if (res?.status !== 404) failures++;
        }),
      );
      await sleep(LOOKUP_EVERY_MS);
    }
  })();
  return {
    add: (s: Sample[]) => waiting.push(...s),
    pending: () => waiting.length,
    async stop() {
      stopped = true;
      await loop;
      const now = Date.now();
      return { found, censored: waiting.map((s) => now - s.producedAt), failures };
    },
  };
}

async function pass(ctx: BenchContext, cleanup: Cleanup, rate: number) {
  const seconds = ctx.opts.sustainedSeconds;
  const prefix = `bench-sustained-${ctx.runId}-r${rate}-`;
  const topics = datasetTopics(prefix);
  const kafka = benchKafka(ctx.opts.brokers, `bench-sustained-${ctx.runId}`);
  const admin = await connectedAdmin(kafka, cleanup);
  await createBenchTopics(admin, cleanup, datasetTopicSpecs(topics));
  const dataDir = join(ctx.tmpRoot, `sustained-${rate}`);
  mkdirSync(dataDir, { recursive: true });
  const groupId = `${prefix}collector`;
  cleanup.add(`delete group ${groupId}`, () => deleteGroups(admin, [groupId]));
  const collector = await startCollectorProcess({
    brokers: ctx.opts.brokers,
    dbPath: join(dataDir, 'collector.db'),
    dataDir,
    groupId,
    topicInclude: `${prefix}.*`,
    cleanup,
  });
  await waitUntil(
    'the collector to join its group',
    async () => ((await collector.health()).busConnected ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  const lookups = startLookups(collector.apiUrl);
  let acked = 0;
  const producer = await startProducer(
    {
      brokers: ctx.opts.brokers,
      topicPrefix: prefix,
      runId: `${ctx.runId}r${rate}`,
      rate,
      ms: seconds * 1000,
    },
    (samples, n) => {
      lookups.add(samples);
      acked = n;
    },
    cleanup,
  );
  const mem = sampleMemory(collector.pid);
  progress(B, `offering ${fmtRate(rate)} for ${seconds} s (the first ${WARMUP_MS / 1000} s are warm-up)`);
  const t0 = Date.now();
  const cpu0 = procCpuSeconds(collector.pid) ?? 0;
  const backlog: [number, number][] = [];
  let maxIndexing = 0;
  const watch = (async () => {
    for (let t = Date.now(); t - t0 < seconds * 1000; t = Date.now()) {
      const h = await collector.health();
      if (Date.now() - t0 >= WARMUP_MS) {
        backlog.push([Date.now() - t0, acked - h.recordsStored]);
        maxIndexing = Math.max(maxIndexing, h.recordsIndexing);
      }
      await sleep(1000 - ((Date.now() - t0) % 1000));
    }
  })();
  const result = await producer.run();
  await watch;
  const windowS = (Date.now() - t0) / 1000;
  const cpu = ((procCpuSeconds(collector.pid) ?? 0) - cpu0) / windowS;
  await waitUntil(
    'sampled records to be found',
    () => Promise.resolve(lookups.pending() === 0 ? true : undefined),
    {
      timeoutMs: GRACE_MS,
      intervalMs: 100,
    },
  ).catch(() => undefined);
  const lat = await lookups.stop();
  const health = await collector.health();
  const { peak } = mem.stop();
  await collector.stop();
  return { rate, result, acked: result.acked, windowS, cpu, peak, lat, backlog, maxIndexing, health };
}

export async function sustainedBench(ctx: BenchContext, cleanup: Cleanup): Promise<void> {
  let highestFlat: number | null = null;
  for (const rate of ctx.opts.sustainedRates) {
    const r = await pass(ctx, cleanup, rate);
    const all = [...r.lat.found, ...r.lat.censored];
    const slope = slopePerSecond(r.backlog);
    const flat = Math.abs(slope) < FLAT_SHARE * rate || slope < 0;
    if (flat && r.lat.censored.length === 0) highestFlat = Math.max(highestFlat ?? 0, r.result.achieved);
    const censoredNote = r.lat.censored.length
      ? `${r.lat.censored.length} of ${all.length} samples were not queryable ${GRACE_MS / 1000} s after the window: counted at that age, so percentiles are lower bounds`
      : undefined;
    const common = {
      offered: rate,
      achieved: r.result.achieved,
      acked: r.acked,
      samples: all.length,
      seconds: Math.round(r.windowS),
      lookupFailures: r.lat.failures,
      ...(censoredNote && { note: censoredNote }),
    };
    progress(
      B,
      `at ${fmtRate(r.result.achieved)}: p50 ${percentile(all, 50)} ms, p99 ${percentile(all, 99)} ms over ${all.length} samples, backlog slope ${Math.round(slope)}/s (${flat ? 'flat' : 'growing'}), at most ${r.maxIndexing.toLocaleString('en-US')} not yet in every view, CPU ${r.cpu.toFixed(2)} cores, peak RSS ${Math.round(mb(r.peak))} MB, ${r.health.recordsStored.toLocaleString('en-US')} of ${r.acked.toLocaleString('en-US')} indexed at the end`,
    );
    const tag = `_at_${rate}_per_sec`;
    emit({
      bench: B,
      figure: `produce_to_queryable_p50${tag}`,
      value: all.length ? percentile(all, 50) : null,
      unit: 'ms',
      ...common,
    });
    emit({
      bench: B,
      figure: `produce_to_queryable_p99${tag}`,
      value: all.length ? percentile(all, 99) : null,
      unit: 'ms',
      ...(rate === 20_000 && { target: 2000 }),
      ...common,
    });
    emit({ bench: B, figure: `backlog_slope${tag}`, value: slope, unit: 'records/s', flat, ...common });
    emit({ bench: B, figure: `max_not_in_every_view${tag}`, value: r.maxIndexing, unit: 'records', ...common });
    emit({ bench: B, figure: `collector_cpu${tag}`, value: r.cpu, unit: 'cores', ...common });
    emit({
      bench: B,
      figure: `collector_peak_rss${tag}`,
      value: mb(r.peak),
      unit: 'MB',
      target: 500,
      ...common,
    });
  }
  emit({
    bench: B,
    figure: 'highest_flat_rate',
    value: highestFlat,
    unit: 'records/s',
    rates: ctx.opts.sustainedRates,
    ...(highestFlat === null && { note: 'no offered rate kept the backlog flat' }),
  });
}
