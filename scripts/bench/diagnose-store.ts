// `node scripts/bench/diagnose-store.ts [--records N] [--pragma "wal_autocheckpoint=10000"]... [--search]`
// A profiling aid, not a benchmark: runs the ingest data set through an in-process collector (the
// embedded bus, so Kafka is out of the picture) over the collector's own SQLite store, whose
// instrumentation hooks time every statement. Prints where ingest time goes
// per SQL statement, per BEGIN / COMMIT, and what is left for JavaScript. `--pragma` applies extra
// PRAGMAs after the store's own, to measure a proposed setting without touching collector code.
// `--search` then drops the search file the search worker filled and fills it again on this
// thread, in rounds as the worker runs them, every statement timed: the same table for the
// second core's work (text index and sagas).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBus } from '../../lib/bus/embedded.ts';

import { silentLogger } from '../../lib/logger.ts';
import { createCollector, loadCollectorConfig } from '../../collector/index.ts';
import { createSearchSagas } from '../../collector/engine/search-sagas.ts';
import { createSagaCatalog, loadSagaDefinitions } from '../../collector/sagas/definitions.ts';
import { openSql, type Params, type Sql } from '../../collector/store/sqlite/db.ts';
import {
  attachSearchIndex,
  catchUpSearchIndex,
  SEARCH_ROUND_RECORDS,
  searchIndexPath,
} from '../../collector/store/sqlite/search-index.ts';
import { createSqliteStore } from '../../collector/store/sqlite/index.ts';
import type { Store } from '../../collector/store/types.ts';
import {
  createDataset,
  datasetTopics,
  datasetTopicSpecs,
  planDataset,
  produceRecordsOf,
} from './support/dataset.ts';
import { sleep } from './support/report.ts';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const records = Number(arg('--records') ?? 50_000);
const pragmas = args.flatMap((a, i) => (a === '--pragma' && args[i + 1] ? [args[i + 1]!] : []));
const search = args.includes('--search');

interface Stat {
  calls: number;
  us: number;
}
const stats = new Map<string, Stat>();
const note = (key: string, us: number) => {
  const s = stats.get(key) ?? { calls: 0, us: 0 };
  s.calls++;
  s.us += us;
  stats.set(key, s);
};
const shorten = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 150);
/** Times a BEGIN / COMMIT / SAVEPOINT …, counted under its first word. */
const timedExec = (text: string, run: () => void) => {
  const t0 = performance.now();
  run();
  note(text.split(' ')[0]!, (performance.now() - t0) * 1000);
};

function timedSql(inner: Sql): Sql {
  const time = <T>(text: string, f: () => T): T => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      note(shorten(text), (performance.now() - t0) * 1000);
    }
  };
  return {
    db: inner.db,
    all: (text: string, p?: Params) => time(text, () => inner.all(text, p)),
    get: (text: string, p?: Params) => time(text, () => inner.get(text, p)),
    run: (text: string, p?: Params) => time(text, () => inner.run(text, p)),
  };
}

/**
 * The collector's own store, with every statement timed and the extra PRAGMAs applied. Without the
 * search file attached, like the ingest worker's connection: attached, every BEGIN IMMEDIATE would
 * also wait for the search worker's write lock.
 */
function timedStore(path: string): Store {
  return createSqliteStore({
    path,
    attachSearch: false,
    instrument: {
      sql(base) {
        for (const p of pragmas) base.db.exec(`PRAGMA ${p}`);
        return timedSql(base);
      },
      exec: timedExec,
    },
  });
}

const out = (s: string) => process.stdout.write(`${s}\n`);

/** Prints the statements timed since the last report, costliest first, and forgets them. */
function report(headline: string, records: number, wallMs: number) {
  let sqlUs = 0;
  for (const s of stats.values()) sqlUs += s.us;
  const rows = [...stats].sort((a, b) => b[1].us - a[1].us);
  out(headline);
  out(
    `SQL (statements + BEGIN/COMMIT/SAVEPOINT): ${Math.round(sqlUs / 1000)} ms = ${((sqlUs / 1000 / wallMs) * 100).toFixed(1)}% of wall, ${(sqlUs / records).toFixed(0)} µs per record`,
  );
  out('   total ms   calls/rec   µs/call  statement');
  for (const [k, s] of rows.slice(0, 30))
    out(
      `${String(Math.round(s.us / 1000)).padStart(10)}  ${(s.calls / records).toFixed(2).padStart(10)}  ${(s.us / s.calls).toFixed(1).padStart(8)}  ${k}`,
    );
  stats.clear();
}

/**
 * The search worker's work again, on this thread: the search file removed, then rounds of
 * `SEARCH_ROUND_RECORDS` as the worker runs them (search-worker.ts) until every record is in,
 * every statement and BEGIN / COMMIT / SAVEPOINT timed.
 */
async function searchAgain(dbPath: string, records: number) {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${searchIndexPath(dbPath)}${suffix}`, { force: true });
  const base = openSql(dbPath, { cacheMb: 4 });
  attachSearchIndex(base, dbPath);
  const exec = base.db.exec.bind(base.db);
  base.db.exec = (text: string) => timedExec(text, () => exec(text));
  const sql = timedSql(base);
  const sagas = createSearchSagas(sql, {
    catalog: createSagaCatalog(loadSagaDefinitions(undefined)),
    stuckGraceMs: 30_000,
    now: Date.now,
    logger: silentLogger(),
  });
  stats.clear();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let done = 0;
  for (let n = -1; n !== 0; done += n) {
    n = await catchUpSearchIndex(sql, SEARCH_ROUND_RECORDS, sagas.round);
    sagas.settle();
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  base.db.close();
  report(
    `search rounds: ${done} records in ${Math.round(wallMs)} ms = ${Math.round((done / wallMs) * 1000)} records/s; CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms`,
    records,
    wallMs,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'causeway-diagnose-'));
try {
  const topics = datasetTopics('bench-diag-');
  const plan = planDataset(records);
  const dataset = createDataset({ topics, runId: 'diag', plan });
  const store = timedStore(join(dir, 'collector.db'));
  const bus = createEmbeddedBus({ retentionMs: 10 * 365 * 86_400_000 });
  await bus.admin.createTopics(datasetTopicSpecs(topics));
  const collector = createCollector({
    bus,
    config: loadCollectorConfig({
      COLLECTOR_PORT: '0',
      OTLP_PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: dir,
      COLLECTOR_GROUP_ID: 'bench-diag',
    }),
    logger: silentLogger(),
    store,
    lag: null,
  });
  await collector.start();
  const stored = async () => (await store.records.stats()).approxCount;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let produced = 0;
  for (const chunk of dataset.chunks(5000)) {
    const batch = produceRecordsOf(chunk);

    await bus.produce(batch);
    produced += batch.length;
    while ((await stored()) < produced - 20_000) await sleep(20);
  }
  while ((await stored()) < produced) await sleep(20);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await collector.stop();
  await store.close();
  await bus.close();

  report(
    `${produced} records in ${Math.round(wallMs)} ms = ${Math.round((produced / wallMs) * 1000)} records/s; CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms${pragmas.length ? `; extra PRAGMAs: ${pragmas.join(', ')}` : ''}`,
    produced,
    wallMs,
  );
  if (search) await searchAgain(join(dir, 'collector.db'), produced);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
