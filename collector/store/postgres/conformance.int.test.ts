import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../lib/testing/wait-for.ts';
import { sharedStoreConformance, storeConformance } from '../conformance.ts';
import type { Store } from '../types.ts';
import { sagaRow } from '../testing.ts';
import { createPostgresStore } from './index.ts';

// The Store port's contract (../conformance.ts) on a real PostgreSQL server: a fresh database per
// case (named after this run), every one dropped at the end. PG_TEST_URL points at the server.

const ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const run = randomUUID().slice(0, 8);
const databases: string[] = [];
const stores: Store[] = [];

const urlOf = (db: string) => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
};

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function open(): Promise<Store> {
  const name = `causeway_conf_${run}_${databases.length}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  databases.push(name);
  const s = await createPostgresStore({ url: urlOf(name) });
  stores.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await admin(async (c) => {
    for (const d of databases.splice(0)) await c.query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`);
  });
});

describe('Store port: PostgreSQL', () => {
  storeConformance(open);
  sharedStoreConformance(open);

  it("counts a collector's own landed records, and every collector's (health's backlog)", async () => {
    const a = await open();
    const b = await createPostgresStore({ url: urlOf(databases[databases.length - 1]!) });
    stores.push(b);
    const chunk = (partition: number, count: number) => ({
      topic: 't',
      partition,
      format: 'packed' as const,
      firstOffset: 0,
      lastOffset: count - 1,
      count,
      landedAt: 1,
      body: Buffer.alloc(10),
    });
    await a.transaction((tx) => tx.landing.append([chunk(0, 3)]));
    await b.transaction((tx) => tx.landing.append([chunk(1, 5)]));
    expect(await a.landing.stats()).toEqual({ waiting: 3, waitingAll: 8 });
    expect(await b.landing.stats()).toEqual({ waiting: 5, waitingAll: 8 });
  });

  it("shares each collector's frontier: every one judges deadlines by the smallest of the live ones", async () => {
    const a = await open();
    const b = await createPostgresStore({ url: urlOf(databases[databases.length - 1]!) });
    stores.push(b);
    let behind = 1_000;
    a.frontiers!.report(() => behind);
    b.frontiers!.report(() => Infinity);
    // Read back each second: both see a's, the smaller.
    await waitFor(() => a.frontiers!.through() === 1_000 && b.frontiers!.through() === 1_000, {
      what: "both collectors reading a's frontier",
    });
    // A collector with records of unknown time holds every one back; caught up, none.
    b.frontiers!.report(() => -Infinity);
    await waitFor(() => a.frontiers!.through() === -Infinity, { what: "a reading b's unknown frontier" });
    b.frontiers!.report(() => Infinity);
    behind = Infinity;
    await waitFor(() => a.frontiers!.through() === Infinity && b.frontiers!.through() === Infinity, {
      what: 'both caught up',
    });
    // A collector that stops no longer counts.
    b.frontiers!.report(() => 5);
    await waitFor(() => a.frontiers!.through() === 5, { what: "a reading b's frontier" });
    await b.close();
    await waitFor(() => a.frontiers!.through() === Infinity, { what: 'b gone' });
  });

  /** Collectors with these member ids on one fresh database, each reporting nothing waiting. */
  async function members(...ids: string[]) {
    await open();
    const url = urlOf(databases[databases.length - 1]!);
    const opened = await Promise.all(ids.map((member) => createPostgresStore({ url, member })));
    stores.push(...opened);
    for (const s of opened) s.frontiers!.report(() => Infinity);
    return { url, opened };
  }
  /** A chunk of three records landed by `s` at `landedAt`. */
  const landThree = (s: Store, landedAt: number) =>
    s.transaction((tx) =>
      tx.landing.append([
        {
          topic: 't',
          partition: 0,
          format: 'packed',
          firstOffset: 0,
          lastOffset: 2,
          count: 3,
          landedAt,
          body: Buffer.alloc(10),
        },
      ]),
    );
  /**
   * Waits out a frontier round of `s` that began after now: `s` (otherwise reporting nothing
   * waiting) reports `marker` until the shared frontier shows it, then the next round, without it.
   */
  async function nextRound(s: Store, marker: number) {
    s.frontiers!.report(() => marker);
    await waitFor(() => s.frontiers!.through() === marker, { what: 'a frontier round' });
    s.frontiers!.report(() => Infinity);
    await waitFor(() => s.frontiers!.through() !== marker, { what: 'the next round' });
  }

  it('holds deadlines back for what a stopped collector left landed, until the one that takes it over has indexed it', async () => {
    const {
      url,
      opened: [a, b],
    } = await members('a', 'b');
    // a landed records after it last reported its frontier (caught up: nothing waits), then stops.
    const landedAt = Date.now() - 60_000;
    await landThree(a!, landedAt);
    await a!.close();
    await waitFor(() => b!.frontiers!.through() === landedAt, { what: "b held back by a's landed chunk" });
    // b takes the chunk over: its own row holds it now.
    const taken = await b!.landing.next(100, 1 << 20);
    expect(taken.map((c) => c.count)).toEqual([3]);
    const rows = async () => {
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        return (await db.query<{ id: string }>('SELECT id FROM store_members')).rows.map((r) => r.id);
      } finally {
        await db.end();
      }
    };
    // a's row goes once nothing of its waits (b's heartbeat); then a round of b's after that.
    await waitFor(async () => !(await rows()).includes('a'), { what: "a's row removed", timeoutMs: 15_000 });
    await nextRound(b!, landedAt - 1);
    expect(b!.frontiers!.through()).toBe(landedAt);
    // Indexed (removed from landing): nothing holds.
    await b!.transaction((tx) => tx.landing.remove(taken[0]!.seq));
    await waitFor(() => b!.frontiers!.through() === Infinity, { what: 'the chunk indexed' });
  });

  it('passes the hold on when a backlog is taken over twice (a rolling restart)', async () => {
    const {
      url,
      opened: [a, b],
    } = await members('a', 'b');
    // a was behind (its frontier is older than anything it landed), and stops.
    a!.frontiers!.report(() => 500);
    await landThree(a!, Date.now() - 60_000);
    await waitFor(() => b!.frontiers!.through() === 500, { what: "b reading a's frontier" });
    await a!.close();
    // b takes the chunk over and stops before indexing it; c takes it over from b.
    expect((await b!.landing.next(100, 1 << 20)).map((c) => c.count)).toEqual([3]);
    await b!.close();
    const c = await createPostgresStore({ url, member: 'c' });
    stores.push(c);
    c.frontiers!.report(() => Infinity);
    const taken = await c.landing.next(100, 1 << 20);
    expect(taken.map((t) => t.count)).toEqual([3]);
    // A round of c's after the takeover: what a held.
    await nextRound(c, 499);
    expect(c.frontiers!.through()).toBe(500);
    await c.transaction((tx) => tx.landing.remove(taken[0]!.seq));
    await waitFor(() => c.frontiers!.through() === Infinity, { what: 'the chunk indexed' });
  });

  it("keeps a quiet collector's frontier for a while: its partitions wait on the broker until the group moves them", async () => {
    await open();
    const url = urlOf(databases[databases.length - 1]!);
    // a's clock is 25 s behind: it is seen as quiet (its chunks would be taken over), not gone.
    const a = await createPostgresStore({ url, member: 'a', now: () => Date.now() - 25_000 });
    const b = await createPostgresStore({ url, member: 'b' });
    stores.push(a, b);
    a.frontiers!.report(() => 300);
    b.frontiers!.report(() => Infinity);
    await waitFor(() => b.frontiers!.through() === 300, { what: "b reading quiet a's frontier" });
  });

  it('keeps the saga counts equal to a full count while three collectors write and fold them', async () => {
    const first = await open();
    const url = urlOf(databases[databases.length - 1]!);
    const others = await Promise.all([1, 2].map(() => createPostgresStore({ url })));
    stores.push(...others);
    const all = [first, ...others];
    const states = ['RUNNING', 'COMPENSATING', 'COMPLETED', 'FAILED'] as const;
    // Each collector moves 40 sagas of its own through every state, 10 per transaction, while
    // maintenance (retention with nothing old enough, then the fold) runs beside it.
    const writer = async (s: Store, w: number) => {
      for (const state of states)
        for (let batch = 0; batch < 4; batch++)
          await s.transaction(async (tx) => {
            for (let i = batch * 10; i < batch * 10 + 10; i++)
              await tx.sagas.put(sagaRow(`w${w}-${i}`, { type: `type-${i % 3}`, state }));
          });
    };
    const folds = async (s: Store, stop: () => boolean) => {
      while (!stop()) await s.enforceRetention({ olderThan: 0, maxRecords: 1_000_000, maxDeletes: 1000 });
    };
    let done = false;
    await Promise.all([
      Promise.all(all.map((s, w) => writer(s, w))).finally(() => (done = true)),
      ...all.map((s) => folds(s, () => done)),
    ]);
    // The ground truth: every saga counted.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const truth = await c
      .query<{ type: string; state: string; count: number }>(
        `SELECT type, CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END AS state, count(*)::int AS count
         FROM sagas GROUP BY 1, 2 ORDER BY 1, 2`,
      )
      .finally(() => c.end());
    expect(await first.sagas.counts()).toEqual(truth.rows);
    const byType = (n: number) =>
      [0, 1, 2].map((t) => ({ type: `type-${t}`, state: 'FAILED', count: n * (t === 0 ? 14 : 13) }));
    expect(await first.sagas.counts()).toEqual(byType(3));
    // And once more after a last fold, from another collector.
    await others[0]!.enforceRetention({ olderThan: 0, maxRecords: 1_000_000, maxDeletes: 1000 });
    expect(await others[1]!.sagas.counts()).toEqual(byType(3));
  });
});
