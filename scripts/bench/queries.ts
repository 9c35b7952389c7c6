import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { chainSchema } from '../../lib/api/chains.ts';
import { dlqPageSchema } from '../../lib/api/dlq.ts';
import { recordsPageSchema } from '../../lib/api/records.ts';
import { sagasPageSchema } from '../../lib/api/sagas.ts';
import { explorerPath } from '../../app/_features/records/explorer-query.ts';
import type { Cleanup } from './support/cleanup.ts';
import { startCollectorProcess } from './support/collector-process.ts';
import type { BenchContext, IngestedStore } from './support/context.ts';
import {
  createDataset,
  datasetTopics,
  datasetTopicSpecs,
  orderIdOf,
  planDataset,
  prng,
} from './support/dataset.ts';
import { benchKafka, connectedAdmin, deleteGroups } from './support/kafka.ts';
import { createPostgresStore } from '../../collector/store/postgres/index.ts';
import { createBenchDatabase, sizeOfDatabase } from './support/pg.ts';
import { emit, fmtRate, mb, percentile, progress } from './support/report.ts';
import { seedStore } from './support/seed-store.ts';

// Benchmark 3: REST queries against a store of ≥ 1M records and ≥ 100k chains. The store is the
// one benchmark 1 filled when both run; otherwise it is seeded here by an in-process collector on
// the embedded bus. A collector process serves it (subscribed to nothing, so only queries load it), and
// each query is timed from the client: request sent to body read, sequentially, after a warm-up.
// `--store postgres` seeds a fresh PostgreSQL database the same way (the in-process collector over
// the shared store, so its rows are the ones collectors write) and serves it from a collector
// process pointed at it with COLLECTOR_STORE_URL.

const B = 'queries';
const WARMUP = 3;
// In-process collectors seeding a PostgreSQL store at once (one group over the embedded bus): the
// store is written a statement at a time, so one writer waits on round trips most of the time.
const SEED_WRITERS = 3;

async function seedOwnStore(ctx: BenchContext, cleanup: Cleanup): Promise<IngestedStore> {
  const kind = ctx.opts.store;
  const dataDir = join(ctx.tmpRoot, 'queries');
  mkdirSync(dataDir, { recursive: true });
  const dbPath = join(dataDir, 'collector.db');
  const topics = datasetTopics(`bench-queries-${ctx.runId}-`);
  const plan = planDataset(ctx.opts.records);
  const dataset = createDataset({ topics, runId: ctx.runId, plan });
  // The database outlives the seeding collector (a process serves it next); the cleanup drops it.
  const pgDb =
    kind === 'postgres'
      ? await createBenchDatabase(ctx.opts.pgUrl, `bench_queries_${ctx.runId}`, cleanup)
      : undefined;
  progress(
    B,
    `seeding ${plan.total.toLocaleString('en-US')} records (${plan.orders.toLocaleString('en-US')} order flows) into ${pgDb ? `PostgreSQL database ${pgDb.name}` : 'SQLite'} through an in-process collector on the embedded bus`,
  );
  const analyzer = await pgDb?.analyzeLikeAutovacuum(15_000);
  const r = await seedStore({
    dbPath,
    dataDir,
    topics: datasetTopicSpecs(topics),
    chunks: dataset.chunks(5000),
    onProgress: (n) => progress(B, `seeded ${n.toLocaleString('en-US')}`),
    ...(pgDb && {
      shared: {
        url: pgDb.url,
        open: () => createPostgresStore({ url: pgDb.url }),
        stored: () => pgDb.inserted(),
        exact: async () => (await pgDb.counts()).records,
        writers: SEED_WRITERS,
      },
    }),
  });
  const rate = (r.records / r.ms) * 1000;
  progress(
    B,
    `seeded ${r.records.toLocaleString('en-US')} records at ${fmtRate(rate)} (${Math.round(r.ms / 1000)} s)`,
  );
  await analyzer?.stop();
  if (pgDb) {
    // Statistics as autovacuum would have them by now (when the bench had to stand in for it).
    if (analyzer?.active) await pgDb.analyze();
    const { records } = await pgDb.counts();
    if (records !== r.records) throw new Error(`seeded ${r.records} records, PostgreSQL holds ${records}`);
  }
  emit({
    bench: B,
    figure: 'seed_embedded_collector_records_per_sec',
    value: rate,
    unit: 'records/s',
    records: r.records,
    store: kind,
    seconds: r.ms / 1000,
    ...(pgDb && { dbMB: Math.round(mb(await sizeOfDatabase(pgDb.url))) }),
    ...(analyzer?.active && {
      analyze: 'bench every 15 s, and once before the queries (server autovacuum off)',
    }),
    note: 'in-process collector on the embedded bus: ingest without Kafka',
  });
  return {
    dbPath,
    dataDir,
    ...(pgDb && { storeUrl: pgDb.url }),
    runId: ctx.runId,
    topics,
    plan,
    outcomeOf: (i) => dataset.outcomeOf(i),
  };
}

interface QuerySpec {
  readonly figure: string;
  readonly target: number;
  readonly note?: string;
  /** The i-th request's path. */
  readonly path: (i: number) => string;
  readonly schema: z.ZodType;
  /** Requests whose answer is an honest 404 (e.g. an id that is not stored) still count. */
  readonly allow404?: boolean;
}

async function timeQuery(apiUrl: string, q: QuerySpec, n: number) {
  const lat: number[] = [];
  let items = 0;
  for (let i = -WARMUP; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${apiUrl}${q.path(i)}`);
    const text = await res.text();
    const ms = performance.now() - t0;
    if (!res.ok && !(q.allow404 && res.status === 404))
      throw new Error(`${q.path(i)} answered ${res.status}: ${text.slice(0, 300)}`);
    if (res.ok) {
      const body: unknown = q.schema.parse(JSON.parse(text));
      if (i >= 0 && typeof body === 'object' && body !== null) {
        const b = body as { items?: unknown[]; records?: unknown[] };
        items += (b.items ?? b.records ?? []).length;
      }
    }
    if (i >= 0) lat.push(ms);
  }
  return { p50: percentile(lat, 50), p95: percentile(lat, 95), max: Math.max(...lat), meanItems: items / n };
}

export async function queriesBench(ctx: BenchContext, cleanup: Cleanup): Promise<void> {
  // Ingest fills a SQLite store; queries on PostgreSQL seed their own.
  const reuse = ctx.opts.store === 'sqlite' ? ctx.ingested : undefined;
  const s = reuse ?? (await seedOwnStore(ctx, cleanup));
  if (reuse) progress(B, `reusing the store ingest filled (${s.plan.total.toLocaleString('en-US')} records)`);
  const kafka = benchKafka(ctx.opts.brokers, `bench-queries-${ctx.runId}`);
  const admin = await connectedAdmin(kafka, cleanup);
  const groupId = `bench-queries-${ctx.runId}-collector`;
  cleanup.add(`delete group ${groupId}`, () => deleteGroups(admin, [groupId]));
  const collector = await startCollectorProcess({
    brokers: ctx.opts.brokers,
    dbPath: s.dbPath,
    dataDir: s.dataDir,
    groupId,
    // Nothing matches: the process only serves the stored data.
    topicInclude: `^bench-queries-${ctx.runId}-nothing$`,
    cleanup,
    ...(s.storeUrl && { env: { COLLECTOR_STORE_URL: s.storeUrl } }),
  });
  const health = await collector.health();
  progress(
    B,
    `collector pid ${collector.pid} serving ${health.recordsStored.toLocaleString('en-US')} records (rss ${Math.round(mb(collector.memory()?.rss ?? 0))} MB)`,
  );

  const rand = prng(42);
  const orders = s.plan.orders;
  const pick = (want?: string) => {
    for (;;) {
      const i = Math.floor(rand() * orders);
      if (!want || s.outcomeOf(i) === want) return orderIdOf(s.runId, i);
    }
  };
  const states = ['COMPLETED', 'COMPENSATED', 'STUCK', 'RUNNING'];
  const n = ctx.opts.queryRequests;
  const queries: QuerySpec[] = [
    {
      figure: 'chain_by_order_id',
      target: 50,
      path: () => `/api/chains/${encodeURIComponent(pick())}`,
      schema: chainSchema,
    },
    {
      figure: 'chain_by_order_id_dead_lettered',
      target: 50,
      path: () => `/api/chains/${encodeURIComponent(pick('poison'))}`,
      schema: chainSchema,
    },
    {
      figure: 'dlq_list',
      target: 50,
      note: 'a list page (50); held to the lookup target',
      path: () => '/api/dlq?limit=50',
      schema: dlqPageSchema,
    },
    {
      figure: 'dlq_list_unresolved_by_origin',
      target: 50,
      note: 'filtered list page',
      path: () => `/api/dlq?status=unresolved&originTopic=${encodeURIComponent(s.topics.payment)}&limit=50`,
      schema: dlqPageSchema,
    },
    {
      figure: 'saga_list_by_state',
      target: 50,
      note: `states ${states.join(', ')} in turn; list page of 50 with counts`,
      path: (i) => `/api/sagas?state=${states[(i + WARMUP) % states.length]}&limit=50`,
      schema: sagasPageSchema,
    },
    {
      figure: 'records_search_header_text_rare',
      target: 250,
      note: 'q = one order id: matches ~8 records, so the whole table is searched',
      path: () => `/api/records?q=${encodeURIComponent(pick())}&limit=50`,
      schema: recordsPageSchema,
    },
    {
      figure: 'records_search_header_text_common',
      target: 250,
      note: 'q = an event type in ~5% of records: the first page fills early',
      path: () => '/api/records?q=PaymentDeclined&limit=50',
      schema: recordsPageSchema,
    },
    // The records explorer's own first-page requests, built by the console's code (explorerPath).
    {
      figure: 'records_explorer_search_rare',
      target: 250,
      note: 'explorer: text = one order id, newest first, page of 50',
      path: () => explorerPath({ q: pick() }),
      schema: recordsPageSchema,
    },
    {
      figure: 'records_explorer_search_common_in_time_range',
      target: 250,
      note: 'explorer: text = an event type in ~5% of records, within a time range covering the data',
      path: () => explorerPath({ q: 'PaymentDeclined', from: 0, to: Date.now() + 86_400_000 }),
      schema: recordsPageSchema,
    },
    {
      figure: 'records_explorer_partition_seek',
      target: 250,
      note: 'explorer: a partition read forward from a random offset',
      path: () =>
        explorerPath({
          topic: s.topics.payment,
          partition: 0,
          offset: Math.floor(rand() * Math.max(1, s.plan.total / 60)),
        }),
      schema: recordsPageSchema,
    },
  ];
  for (const q of queries) {
    const r = await timeQuery(collector.apiUrl, q, n);
    progress(
      B,
      `${q.figure}: p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, max ${r.max.toFixed(0)} ms, ${r.meanItems.toFixed(1)} items`,
    );
    const common = {
      records: s.plan.total,
      store: s.storeUrl ? 'postgres' : 'sqlite',
      chains: s.plan.orders,
      requests: n,
      meanItems: r.meanItems,
      ...(q.note && { note: q.note }),
    };
    emit({ bench: B, figure: `${q.figure}_p50`, value: r.p50, unit: 'ms', ...common });
    emit({
      bench: B,
      figure: `${q.figure}_p95`,
      value: r.p95,
      unit: 'ms',
      target: q.target,
      ...common,
      max: r.max,
    });
  }
  const mem = collector.memory();
  emit({
    bench: 'memory',
    figure: 'collector_rss_after_queries',
    value: mb(mem?.rss ?? 0),
    unit: 'MB',
    target: 500,
    records: s.plan.total,
    store: s.storeUrl ? 'postgres' : 'sqlite',
  });
  await collector.stop();
}
