import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import type { Cleanup } from './support/cleanup.ts';
import {
  procCpuSeconds,
  sampleMemory,
  startCollectorProcess,
  type CollectorProcess,
} from './support/collector-process.ts';
import type { BenchContext } from './support/context.ts';
import { benchKafka, connectedAdmin, deleteGroups, uncommitted } from './support/kafka.ts';
import { createBenchDatabase, samplePostgresCpu, sizeOfDatabase, type BenchDatabase } from './support/pg.ts';
import { preloadDataset } from './support/preload.ts';
import { emit, fmtRate, mb, progress, waitUntil } from './support/report.ts';

// Scale (issue 14): the ingest data set loaded once, then indexed by (a) one collector on SQLite,
// (b) one collector on a fresh PostgreSQL database, (c) two collector processes in one consumer
// group on another fresh PostgreSQL database, each variant with its own group on the same bytes,
// timed from spawn until every record is indexed. On PostgreSQL "indexed" is read from the server
// itself: `/api/health` there reports the planner's row estimate (records) and only the asking
// collector's own landing backlog (recordsIndexing), so neither says "all of them" on its own.

const B = 'scale';
const DEFAULT_RECORDS = 200_000;
const TIMEOUT_MS = 3 * 3600_000;
const ANALYZE_EVERY_MS = 15_000;

interface Variant {
  readonly name: 'sqlite' | 'postgres_1' | 'postgres_2';
  readonly collectors: number;
  readonly store: 'sqlite' | 'postgres';
}

const VARIANTS: readonly Variant[] = [
  { name: 'sqlite', collectors: 1, store: 'sqlite' },
  { name: 'postgres_1', collectors: 1, store: 'postgres' },
  { name: 'postgres_2', collectors: 2, store: 'postgres' },
];

interface Loaded {
  readonly names: readonly string[];
  readonly high: ReadonlyMap<string, number>;
  readonly total: number;
  readonly prefix: string;
}

/** Records this collector indexed (stored, not duplicates), from its /metrics. */
async function indexedBy(c: CollectorProcess): Promise<number> {
  const text = await (await fetch(`${c.apiUrl}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('causeway_records_ingested_total{') && line.includes('outcome="stored"'))
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
  return n;
}

/** Every record indexed: on SQLite by the collector's health (exact there), on PostgreSQL by counting. */
async function waitIndexed(
  v: Variant,
  collectors: readonly CollectorProcess[],
  db: BenchDatabase | undefined,
  total: number,
  startedAt: number,
): Promise<void> {
  let shown = 0;
  const show = (n: number) => {
    if (n - shown < Math.max(25_000, total / 8)) return;
    shown = n;
    const s = (performance.now() - startedAt) / 1000;
    progress(B, `${v.name}: ${n.toLocaleString('en-US')} indexed (${fmtRate(n / s)} since spawn)`);
  };
  await waitUntil(
    `${v.name}: every record indexed`,
    async () => {
      if (!db) {
        const h = await collectors[0]!.health();
        show(h.recordsStored);
        return h.recordsStored >= total && h.recordsIndexing === 0 ? true : undefined;
      }
      const { records, landing } = await db.counts();
      show(records);
      if (records > total) throw new Error(`${v.name}: ${records} records stored of ${total}: doubled`);
      return records === total && landing === 0 ? true : undefined;
    },
    { timeoutMs: TIMEOUT_MS, intervalMs: db ? 500 : 250 },
  );
}

async function runVariant(ctx: BenchContext, admin: Admin, data: Loaded, v: Variant, cleanup: Cleanup) {
  const dataDir = join(ctx.tmpRoot, B, v.name);
  mkdirSync(dataDir, { recursive: true });
  const groupId = `bench-scale-${ctx.runId}-${v.name}`;
  cleanup.add(`delete group ${groupId}`, () => deleteGroups(admin, [groupId]));
  const db =
    v.store === 'postgres'
      ? await createBenchDatabase(ctx.opts.pgUrl, `bench_scale_${ctx.runId}_${v.name}`, cleanup)
      : undefined;
  const analyzer = await db?.analyzeLikeAutovacuum(ANALYZE_EVERY_MS);
  const pgCpu = db ? samplePostgresCpu(db.name) : undefined;
  const t0 = performance.now();
  // Spawned together: the group's first rebalance then splits the partitions between them at once.
  const collectors = await Promise.all(
    Array.from({ length: v.collectors }, (_, i) =>
      startCollectorProcess({
        brokers: ctx.opts.brokers,
        // Each its own directory: on PostgreSQL it only holds the log (and the data of nothing).
        dbPath: join(dataDir, `collector-${i}.db`),
        dataDir,
        groupId,
        topicInclude: `^${data.prefix}.*`,
        cleanup,
        ...(db && { env: { COLLECTOR_STORE_URL: db.url } }),
      }),
    ),
  );
  const mems = collectors.map((c) => sampleMemory(c.pid));
  progress(
    B,
    `${v.name}: ${collectors.length} collector(s) up (pid ${collectors.map((c) => c.pid).join(', ')}) in ${Math.round(performance.now() - t0)} ms`,
  );
  await waitUntil(
    `${v.name}: every record committed`,
    async () => ((await uncommitted(admin, groupId, data.names, data.high)) === 0 ? true : undefined),
    { timeoutMs: TIMEOUT_MS, intervalMs: 250 },
  );
  const landedMs = performance.now() - t0;
  progress(B, `${v.name}: all landed and committed in ${Math.round(landedMs / 1000)} s; indexing...`);
  await waitIndexed(v, collectors, db, data.total, t0);
  const ms = performance.now() - t0;
  const cpu = collectors.map((c) => procCpuSeconds(c.pid) ?? 0);
  const shares = await Promise.all(collectors.map(indexedBy));
  // Each collector's health counts only what it landed itself; together they must have nothing left.
  const backlog = (await Promise.all(collectors.map((c) => c.health()))).reduce(
    (s, h) => s + h.recordsIndexing,
    0,
  );
  if (backlog !== 0)
    throw new Error(`${v.name}: all ${data.total} stored but health reports ${backlog} indexing`);
  const pg = pgCpu?.stop();
  await analyzer?.stop();
  const peaks = mems.map((m) => m.stop().peak);
  const dbBytes = db ? await sizeOfDatabase(db.url) : undefined;
  for (const c of collectors) {
    const code = await c.stop();
    if (code !== 0) progress(B, `${v.name}: collector pid ${c.pid} exited with ${code}; see ${c.logFile}`);
  }
  await db?.drop();
  const rate = (data.total / ms) * 1000;
  progress(
    B,
    `${v.name}: ${fmtRate(rate)} indexed (${Math.round(ms / 1000)} s; collectors ${cpu.map((c) => c.toFixed(0)).join(' + ')} CPU s, indexed ${shares.join(' + ')}${pg ? `; postgres backends ${pg.database.toFixed(0)} CPU s, whole server ${pg.server.toFixed(0)} CPU s` : ''}; peak RSS ${peaks.map((p) => Math.round(mb(p))).join(' / ')} MB)`,
  );
  return { v, ms, landedMs, rate, cpu, shares, pg, peaks, dbBytes, analyzed: analyzer?.active ?? false };
}

export async function scaleBench(ctx: BenchContext, cleanup: Cleanup): Promise<void> {
  const records = ctx.opts.recordsGiven ? ctx.opts.records : DEFAULT_RECORDS;
  const kafka = benchKafka(ctx.opts.brokers, `bench-scale-${ctx.runId}`);
  const admin = await connectedAdmin(kafka, cleanup);
  const data = await preloadDataset({ bench: B, runId: ctx.runId, records }, kafka, admin, cleanup);
  const results = [];
  for (const v of VARIANTS) results.push(await runVariant(ctx, admin, data, v, cleanup));

  const sqlite = results[0]!.rate;
  for (const r of results) {
    const common = {
      records: data.total,
      partitions: data.high.size,
      store: r.v.store,
      collectors: r.v.collectors,
      ...(r.analyzed && { analyze: `bench every ${ANALYZE_EVERY_MS / 1000} s (server autovacuum off)` }),
    };
    emit({
      bench: B,
      figure: `${r.v.name}_indexed_records_per_sec`,
      value: r.rate,
      unit: 'records/s',
      baseline: sqlite,
      ratio: r.rate / sqlite,
      ...common,
      wallSeconds: r.ms / 1000,
      landedSeconds: r.landedMs / 1000,
      indexedPerCollector: r.shares.join(' + '),
      note: 'spawn -> every record landed, committed and indexed; baseline: one collector on SQLite',
    });
    emit({
      bench: B,
      figure: `${r.v.name}_collector_cpu_seconds`,
      value: r.cpu.reduce((s, c) => s + c, 0),
      unit: 's',
      ...common,
      perCollector: r.cpu.join(' + '),
    });
    if (r.pg) {
      emit({
        bench: B,
        figure: `${r.v.name}_postgres_backend_cpu_seconds`,
        value: r.pg.database,
        unit: 's',
        ...common,
        note: "the server's backends serving this database (/proc)",
      });
      emit({
        bench: B,
        figure: `${r.v.name}_postgres_server_cpu_seconds`,
        value: r.pg.server,
        unit: 's',
        ...common,
        note: 'every postgres process (WAL writer, checkpointer, autovacuum too) incl. others on the shared server: an upper bound',
      });
    }
    emit({
      bench: B,
      figure: `${r.v.name}_collector_peak_rss`,
      value: mb(Math.max(...r.peaks)),
      unit: 'MB',
      ...common,
      perCollector: r.peaks.map((p) => Math.round(mb(p))).join(' / '),
      ...(r.dbBytes !== undefined && { dbMB: Math.round(mb(r.dbBytes)) }),
    });
  }
}
