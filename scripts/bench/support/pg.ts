import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import type { Cleanup } from './cleanup.ts';

// The PostgreSQL side of the benchmarks: a fresh database per store measured (dropped with its
// connections when the benchmark ends), exact counts straight from the server, and the CPU the
// server's processes spent, read from /proc (the server runs on this machine).

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  /** Exact rows in records and in landing (not the planner's estimate `/api/health` reports). */
  counts(): Promise<{ records: number; landing: number }>;
  /**
   * Records inserted so far, cheaply: the records sequence, which every insert draws from; ahead
   * of the visible count by inserts not committed yet, conflicted or rolled back (a transaction
   * retried after a deadlock between writers), so only good for pacing. 0 before the schema exists.
   */
  inserted(): Promise<number>;
  /**
   * When the server runs without autovacuum (the dev server here has it off), ANALYZE this
   * database every `everyMs` in the background, as autovacuum would keep statistics on a normally
   * configured server; never analysed, the planner guesses and some plans turn into scans (see
   * docs/benchmarks.md, "Scale"). Returns whether it runs, and a stop that waits for the last one.
   */
  analyze(): Promise<void>;
  analyzeLikeAutovacuum(everyMs: number): Promise<{ active: boolean; stop: () => Promise<void> }>;
  drop(): Promise<void>;
}

/** Creates `name` (must start with `bench_`) on the server of `adminUrl`; dropped by `cleanup`. */
export async function createBenchDatabase(
  adminUrl: string,
  name: string,
  cleanup: Cleanup,
): Promise<BenchDatabase> {
  if (!/^bench_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to create database ${name}`);
  const drop = cleanup.add(`drop database ${name}`, () =>
    withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
      () => undefined,
    ),
  );
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  let reader: pg.Client | undefined;
  const closeReader = cleanup.add(`close reader of ${name}`, async () => {
    await reader?.end();
    reader = undefined;
  });
  const query = async <R extends pg.QueryResultRow>(text: string) => {
    if (!reader) {
      reader = new pg.Client({ connectionString: url, application_name: 'causeway-bench' });
      await reader.connect();
    }
    return reader.query<R>(text);
  };
  let schema = false;
  const migrated = async () =>
    (schema ||=
      (await query<{ t: string | null }>("SELECT to_regclass('landing')::text AS t")).rows[0]?.t != null);
  return {
    name,
    url,
    async inserted() {
      // The schema exists once the first collector has migrated the database.
      if (!(await migrated())) return 0;
      const r = await query<{ n: string }>(
        'SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM records_seq',
      );
      return Number(r.rows[0]?.n ?? 0);
    },
    async counts() {
      if (!(await migrated())) return { records: 0, landing: 0 };
      const r = await query<{ records: string; landing: string }>(
        `SELECT (SELECT count(*) FROM records) AS records, (SELECT coalesce(sum(count), 0) FROM landing) AS landing`,
      );
      const row = r.rows[0];
      return { records: Number(row?.records ?? 0), landing: Number(row?.landing ?? 0) };
    },
    async analyze() {
      await query('ANALYZE');
    },
    async analyzeLikeAutovacuum(everyMs) {
      const on = (await query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]?.autovacuum === 'on';
      if (on) return { active: false, stop: () => Promise.resolve() };
      const c = new pg.Client({ connectionString: url, application_name: 'causeway-bench-analyze' });
      await c.connect();
      let last: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        last = last.then(() => c.query('ANALYZE')).catch(() => undefined);
      }, everyMs);
      const stop = cleanup.add(`stop analysing ${name}`, async () => {
        clearInterval(timer);
        await last;
        await c.end();
      });
      return { active: true, stop };
    },
    async drop() {
      await closeReader();
      await drop();
    },
  };
}

/** Bytes on disk of the database at `url` (tables, indexes, TOAST). */
export async function sizeOfDatabase(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const r = await c.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n');
    return Number(r.rows[0]?.n ?? 0);
  });
}

interface ProcCpu {
  readonly cpu: number;
  readonly children: number;
  readonly cmdline: string;
}

function readProc(pid: string): ProcCpu | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (stat.slice(open + 1, close) !== 'postgres') return undefined;
    const f = stat.slice(close + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14–17 of the line (clock ticks, 100 per second).
    const cpu = (Number(f[11]) + Number(f[12])) / 100;
    const children = (Number(f[13]) + Number(f[14])) / 100;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return { cpu, children, cmdline };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of the PostgreSQL server while a store is measured, sampled from /proc every
 * `everyMs`. `database`: the backends serving that database (each backend's last reading is kept
 * after it exits, so a pool closing idle connections loses nothing); `server`: every process named
 * postgres, exited children included (the postmaster's cutime), so it also holds whatever other
 * work the shared server did meanwhile: an upper bound.
 */
export function samplePostgresCpu(database: string, everyMs = 250) {
  const backends = new Map<string, number>();
  const serverNow = () => {
    let total = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const p = readProc(pid);
      if (!p) continue;
      total += p.cpu + p.children;
      // "postgres: [<cluster>: ]<user> <database> <host(port)> <state>"; bench names are unique.
      if (p.cmdline.split(/\s+/).includes(database)) backends.set(pid, p.cpu);
    }
    return total;
  };
  const server0 = serverNow();
  const timer = setInterval(serverNow, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const server = serverNow() - server0;
      const db = [...backends.values()].reduce((s, v) => s + v, 0);
      return { database: db, server };
    },
  };
}
