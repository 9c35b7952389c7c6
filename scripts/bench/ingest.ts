import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { createKafkaBus } from '../../lib/bus/kafka.ts';
import type { Cleanup } from './support/cleanup.ts';
import {
  sampleMemory,
  startCollectorProcess,
  procCpuSeconds,
  REPO_ROOT,
} from './support/collector-process.ts';
import type { BenchContext } from './support/context.ts';
import { formatSummary, summarizeProfile } from './support/cpu-profile.ts';
import { benchKafka, connectedAdmin, deleteGroups, uncommitted } from './support/kafka.ts';
import { preloadDataset } from './support/preload.ts';
import { emit, fmtRate, mb, progress, sleep, waitUntil } from './support/report.ts';

// Benchmark 1 (ingest) and 4 (memory). One data set is loaded once; then, on exactly those bytes
// and in the same run: kcat (librdkafka, the practical ceiling), a bare kafkajs consumer that only
// counts (the baseline), and the collector process from spawn to every record stored and every
// offset committed. Each reader has its own consumer group, so each reads everything from the
// broker's page cache under the same conditions.

const B = 'ingest';
const REST_MS = 15_000;

/** kcat in balanced-consumer mode over all topics, exiting at the end of every partition. */
async function kcatRate(
  ctx: BenchContext,
  admin: Admin,
  names: readonly string[],
  total: number,
): Promise<number | undefined> {
  if (spawnSync('kcat', ['-V']).status !== 0) {
    progress(B, 'kcat not found: no ceiling figure');
    return undefined;
  }
  const group = `bench-ingest-${ctx.runId}-kcat`;
  try {
    const t0 = performance.now();
    const child = spawn(
      'kcat',
      [
        '-b',
        ctx.opts.brokers,
        '-G',
        group,
        '-X',
        'auto.offset.reset=earliest',
        '-X',
        'enable.auto.commit=false',
        '-e',
        '-q',
        '-f',
        '\n',
        ...names,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let lines = 0;
    child.stdout.on('data', (b: Buffer) => {
      for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const ms = performance.now() - t0;
    if (lines !== total) progress(B, `kcat exited ${code} after ${lines} of ${total} records`);
    return (lines / ms) * 1000;
  } finally {
    await deleteGroups(admin, [group]);
  }
}

async function bareKafkajsRate(
  ctx: BenchContext,
  kafka: Kafka,
  admin: Admin,
  names: readonly string[],
  total: number,
  cleanup: Cleanup,
): Promise<number> {
  const groupId = `bench-ingest-${ctx.runId}-bare`;
  // The same fetch settings the collector's Bus adapter uses (kafkajs defaults, 250 ms max wait).
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 250,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
  });
  const stop = cleanup.add(`bare consumer ${groupId}`, async () => {
    await consumer.disconnect();
    await deleteGroups(admin, [groupId]);
  });
  let count = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const t0 = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [...names], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      count += batch.messages.length;
      if (count >= total) done();
      await Promise.resolve();
    },
  });
  await finished;
  const ms = performance.now() - t0;
  await stop();
  return (total / ms) * 1000;
}

/**
 * The collector's own Kafka adapter (lib/bus) with a handler that only counts: what the collector
 * could reach if storing cost nothing. Separates the adapter's share of the gap (record mapping,
 * one awaited offset commit per batch) from the store's.
 */
async function busAdapterRate(
  ctx: BenchContext,
  admin: Admin,
  names: readonly string[],
  total: number,
  cleanup: Cleanup,
): Promise<number> {
  const groupId = `bench-ingest-${ctx.runId}-bus`;
  const bus = createKafkaBus({ brokers: ctx.opts.brokers.split(','), clientId: groupId });
  const stop = cleanup.add(`bus consumer ${groupId}`, async () => {
    await bus.close();
    await deleteGroups(admin, [groupId]);
  });
  let count = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const t0 = performance.now();
  // Raw batches, as the collector takes them; counted by offsets (the topics are not compacted).
  await bus.consumer({ groupId, topics: names, fromBeginning: true, rawBatches: true }).run(async (batch) => {
    count += batch.records.length + (batch.raw ? batch.raw.lastOffset - batch.raw.fromOffset + 1 : 0);
    if (count >= total) done();
    await Promise.resolve();
  });
  await finished;
  const ms = performance.now() - t0;
  await stop();
  return (total / ms) * 1000;
}

export async function ingestBench(ctx: BenchContext, cleanup: Cleanup): Promise<void> {
  const kafka = benchKafka(ctx.opts.brokers, `bench-ingest-${ctx.runId}`);
  const admin = await connectedAdmin(kafka, cleanup);
  const data = await preloadDataset(
    { bench: B, runId: ctx.runId, records: ctx.opts.records },
    kafka,
    admin,
    cleanup,
  );
  const { names, total, high } = data;

  const kcat = await kcatRate(ctx, admin, names, total);
  if (kcat !== undefined) progress(B, `kcat: ${fmtRate(kcat)}`);
  const bare = await bareKafkajsRate(ctx, kafka, admin, names, total, cleanup);
  progress(B, `bare kafkajs consumer: ${fmtRate(bare)}`);
  const adapter = await busAdapterRate(ctx, admin, names, total, cleanup);
  progress(B, `collector's Kafka adapter, counting only: ${fmtRate(adapter)}`);

  // The store outlives this benchmark when queries run next; the run's cleanup removes it.
  const dataDir = join(ctx.tmpRoot, 'ingest');
  mkdirSync(dataDir, { recursive: true });
  const dbPath = join(dataDir, 'collector.db');
  const groupId = `bench-ingest-${ctx.runId}-collector`;
  cleanup.add(`delete group ${groupId}`, () => deleteGroups(admin, [groupId]));
  const profDir = ctx.opts.profile ? join(ctx.profileRoot, 'ingest') : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const collector = await startCollectorProcess({
    brokers: ctx.opts.brokers,
    dbPath,
    dataDir,
    groupId,
    topicInclude: `^bench-ingest-${ctx.runId}-.*`,
    cleanup,
    ...(profDir && { cpuProfDir: profDir }),
  });
  const mem = sampleMemory(collector.pid);
  const startupMs = performance.now() - collector.startedAt;
  progress(
    B,
    `collector pid ${collector.pid} up in ${Math.round(startupMs)} ms; waiting for ${total.toLocaleString('en-US')} records stored and committed`,
  );
  let lastShown = 0;
  await waitUntil(
    'every record committed by the collector group',
    async () => {
      const behind = await uncommitted(admin, groupId, names, high);
      const doneN = total - behind;
      if (doneN - lastShown >= Math.max(50_000, total / 10)) {
        lastShown = doneN;
        const s = (performance.now() - collector.startedAt) / 1000;
        progress(
          B,
          `collector committed ${doneN.toLocaleString('en-US')} (${fmtRate(doneN / s)}, rss ${Math.round(mb(collector.memory()?.rss ?? 0))} MB)`,
        );
      }
      return behind === 0 ? true : undefined;
    },
    { timeoutMs: 3 * 3600_000, intervalMs: 250 },
  );
  // Stage 1 done: every record is landed in the store (durable) and its offset committed.
  const committedAt = performance.now();
  const ms = committedAt - collector.startedAt;
  const rate = (total / ms) * 1000;
  progress(
    B,
    `collector: all landed and committed, ${fmtRate(rate)} (${Math.round(ms / 1000)} s); indexing...`,
  );
  // Stage 2: every record decoded, derived and indexed (in lists, chains, sagas, search).
  let lastIndexShown = 0;
  const health = await waitUntil(
    'every record indexed',
    async () => {
      const h = await collector.health();
      if (h.recordsStored - lastIndexShown >= Math.max(50_000, total / 10)) {
        lastIndexShown = h.recordsStored;
        const s = (performance.now() - collector.startedAt) / 1000;
        progress(
          B,
          `collector indexed ${h.recordsStored.toLocaleString('en-US')} (${fmtRate(h.recordsStored / s)} since start, rss ${Math.round(mb(collector.memory()?.rss ?? 0))} MB)`,
        );
      }
      return h.recordsStored >= total && h.recordsIndexing === 0 ? h : undefined;
    },
    { timeoutMs: 3 * 3600_000, intervalMs: 250 },
  );
  const indexedMs = performance.now() - collector.startedAt;
  const indexedRate = (total / indexedMs) * 1000;
  const cpu = procCpuSeconds(collector.pid);
  const { peak } = mem.stop();
  progress(
    B,
    `collector: ${fmtRate(indexedRate)} to fully indexed (${Math.round(indexedMs / 1000)} s, ${cpu ?? '?'} CPU s, stored ${health.recordsStored})`,
  );
  progress(B, `at rest for ${REST_MS / 1000} s...`);
  await sleep(REST_MS);
  const rest = collector.memory();
  const dbBytes = readdirSync(dataDir)
    .filter((f) => f.startsWith('collector.db'))
    .reduce((s, f) => s + statSync(join(dataDir, f)).size, 0);
  const code = await collector.stop();
  if (code !== 0) progress(B, `collector exited with ${code}; see ${collector.logFile}`);

  const common = { records: total, valueMB: Math.round(mb(data.bytes)), partitions: high.size };
  if (kcat !== undefined)
    emit({
      bench: B,
      figure: 'kcat_records_per_sec',
      value: kcat,
      unit: 'records/s',
      ...common,
      note: 'librdkafka ceiling',
    });
  emit({ bench: B, figure: 'bare_kafkajs_records_per_sec', value: bare, unit: 'records/s', ...common });
  emit({
    bench: B,
    figure: 'bus_adapter_noop_records_per_sec',
    value: adapter,
    unit: 'records/s',
    baseline: bare,
    ratio: adapter / bare,
    ...common,
    note: 'lib/bus kafka adapter, handler only counts',
  });
  emit({
    bench: B,
    figure: 'collector_records_per_sec',
    value: rate,
    unit: 'records/s',
    target: Math.round(0.8 * bare),
    targetKind: 'min',
    baseline: bare,
    ratio: rate / bare,
    ...common,
    ...(kcat !== undefined && { ceiling: kcat }),
    startupMs,
    note: 'spawn -> every record landed in the store and its offset committed',
  });
  emit({
    bench: B,
    figure: 'collector_vs_bare_ratio',
    value: rate / bare,
    unit: 'ratio',
    target: 0.8,
    targetKind: 'min',
    ...common,
  });
  emit({
    bench: B,
    figure: 'collector_indexed_records_per_sec',
    value: indexedRate,
    unit: 'records/s',
    baseline: bare,
    ratio: indexedRate / bare,
    ...common,
    cpuSeconds: cpu,
    note: 'spawn -> every record decoded, derived and indexed (lists, chains, sagas, search)',
  });
  emit({
    bench: 'memory',
    figure: 'collector_peak_rss_during_ingest',
    value: mb(peak),
    unit: 'MB',
    target: 500,
    records: total,
  });
  emit({
    bench: 'memory',
    figure: 'collector_rss_at_rest',
    value: mb(rest?.rss ?? 0),
    unit: 'MB',
    target: 500,
    records: total,
    restSeconds: REST_MS / 1000,
    anonMB: mb(rest?.anon ?? 0),
    fileMB: mb(rest?.file ?? 0),
    dbMB: Math.round(mb(dbBytes)),
  });

  if (profDir) {
    for (const f of readdirSync(profDir).filter((x) => x.endsWith('.cpuprofile'))) {
      const s = summarizeProfile(join(profDir, f), {
        root: REPO_ROOT,
        inclusiveOf: [
          'handleBatch',
          'decodeRecord',
          'ingestOne',
          'transaction',
          'onStored',
          'onRecord',
          'detectAnomalies',
          'assign',
          'publish',
          'observe',
          'eachBatch',
        ],
      });
      progress(B, `CPU profile ${join(profDir, f)}\n${formatSummary(s)}`);
    }
  }
  ctx.ingested = {
    dbPath,
    dataDir,
    runId: ctx.runId,
    topics: data.topics,
    plan: data.plan,
    outcomeOf: (i) => data.dataset.outcomeOf(i),
  };
}
