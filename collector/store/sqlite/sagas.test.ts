import { describe, expect, it } from 'vitest';
import type { SagaState } from '../../../lib/events/shop-events.ts';
import type { Cursor, SagaRow, SagasFilter } from '../types.ts';
import { openSql, type Params, type Sql } from './db.ts';
import { migrate } from './migrations.ts';
import { enforceRetention } from './retention.ts';
import { createSagaRepo } from './sagas.ts';

const saga = (id: string, patch: Partial<SagaRow> = {}): SagaRow => ({
  id,
  type: 'order-fulfilment',
  source: 'orchestrated',
  state: 'RUNNING',
  stuck: false,
  stuckAt: null,
  correlationId: `c-${id}`,
  currentStep: 'reserve',
  startedAt: 1000,
  updatedAt: 1000,
  deadline: null,
  steps: [],
  history: [],
  nextExpected: null,
  reason: null,
  ...patch,
});

function openRepo() {
  const sql = openSql(':memory:');
  migrate(sql);
  // Every statement the repository runs, to look at its query plan.
  const statements: { text: string; params: Params | undefined }[] = [];
  const spy: Sql = {
    db: sql.db,
    all: (text, params) => (statements.push({ text, params }), sql.all(text, params)),
    get: (text, params) => sql.get(text, params),
    run: (text, params) => sql.run(text, params),
  };
  const repo = createSagaRepo(spy);
  /** What the counts must be: a GROUP BY over every saga, as the API computed them before. */
  const truth = () =>
    sql
      .all(
        `SELECT type, CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END AS vs, count(*) AS n FROM sagas
         GROUP BY type, vs ORDER BY type, vs`,
      )
      .map((r) => ({ type: String(r.type), state: String(r.vs), count: Number(r.n) }));
  const plan = (i = statements.length - 1) =>
    sql
      .all(`EXPLAIN QUERY PLAN ${statements[i]!.text}`, statements[i]!.params)
      .map((r) => String(r.detail))
      .join('\n');
  return { sql, repo, truth, plan };
}

const ids = (rows: readonly SagaRow[]) => rows.map((s) => s.id);

describe('saga counts', () => {
  it('stay exact through inserts, updates, the STUCK sweep and deletes', () => {
    const { sql, repo, truth } = openRepo();
    const check = () => expect(repo.counts()).toEqual(truth());
    for (let i = 0; i < 30; i++)
      repo.put(
        saga(`s${i}`, {
          type: i % 3 ? 'order-fulfilment' : 'loyalty-award',
          deadline: 2000 + i,
          updatedAt: 1000 + i,
        }),
      );
    check();
    expect(repo.counts()).toEqual([
      { type: 'loyalty-award', state: 'RUNNING', count: 10 },
      { type: 'order-fulfilment', state: 'RUNNING', count: 20 },
    ]);
    // Upserts that change the state, that change nothing the counts see, and that change the type.
    for (let i = 0; i < 10; i++) repo.put(saga(`s${i}`, { state: 'COMPLETED', updatedAt: 5000 }));
    repo.put(saga('s10', { currentStep: 'pay', deadline: 2010, updatedAt: 1010 }));
    repo.put(saga('s11', { type: 'refund', deadline: 2011, updatedAt: 1011 }));
    check();
    // The sweep: RUNNING past their deadline become STUCK.
    expect(repo.markStuck(2015)).toHaveLength(5);
    check();
    expect(repo.counts().find((c) => c.state === 'STUCK' && c.type === 'order-fulfilment')?.count).toBe(3);
    // A stuck saga that completes after all leaves STUCK for COMPLETED.
    repo.put(saga('s12', { state: 'COMPLETED', updatedAt: 5000 }));
    check();
    // Retention deletes sagas not updated since the cut; the emptied (type, state) disappears.
    enforceRetention(sql, { olderThan: 1020, maxRecords: 1000, maxDeletes: 1000, inline: true });
    check();
    expect(repo.counts().some((c) => c.type === 'refund')).toBe(false);
    sql.run("DELETE FROM sagas WHERE id = 's25'");
    check();
    // A writer replacing rows instead of upserting them.
    sql.run(
      `INSERT OR REPLACE INTO sagas (id, type, source, state, stuck, started_at, updated_at, steps, history)
       VALUES ('s26', 'refund', 'orchestrated', 'FAILED', 0, 1, 1, '[]', '[]')`,
    );
    check();
    expect(repo.counts().reduce((n, c) => n + c.count, 0)).toBe(
      Number(sql.get('SELECT count(*) AS n FROM sagas')?.n),
    );
  });
});

describe('saga list', () => {
  function seeded() {
    const o = openRepo();
    const states: SagaState[] = ['RUNNING', 'COMPLETED', 'COMPENSATED', 'RUNNING'];
    for (let i = 0; i < 40; i++)
      o.repo.put(
        saga(`s${String(i).padStart(2, '0')}`, {
          state: states[i % 4]!,
          stuck: i % 4 === 3 || i === 5,
          // Ties on started_at: the id orders them.
          startedAt: 1000 + Math.floor(i / 3),
          type: i % 2 ? 'a' : 'b',
        }),
      );
    return o;
  }
  const all = (repo: ReturnType<typeof openRepo>['repo'], filter: SagasFilter, limit: number) => {
    const out: SagaRow[] = [];
    let cursor: Cursor | null = null;
    do {
      const page = repo.list(filter, { cursor, limit });
      out.push(...page.items);
      cursor = page.next;
    } while (cursor);
    return out;
  };

  it('filters by view state: RUNNING excludes the stuck, STUCK is every stuck saga', () => {
    const { repo } = seeded();
    const running = all(repo, { state: 'RUNNING' }, 50);
    expect(running.every((s) => s.state === 'RUNNING' && !s.stuck)).toBe(true);
    expect(running).toHaveLength(10);
    const stuck = all(repo, { state: 'STUCK' }, 50);
    expect(stuck).toHaveLength(11);
    expect(stuck.some((s) => s.state === 'COMPLETED')).toBe(true);
    expect(ids(all(repo, { stuck: true }, 50))).toEqual(ids(stuck));
    expect(all(repo, { state: 'RUNNING', stuck: true }, 50)).toEqual([]);
    expect(ids(all(repo, { state: 'STUCK', type: 'a' }, 50))).toEqual(
      ids(stuck.filter((s) => s.type === 'a')),
    );
  });

  it('pages newest first without gaps or repeats across equal start times', () => {
    const { repo } = seeded();
    const whole = repo.list({}, { cursor: null, limit: 500 }).items;
    expect(whole).toHaveLength(40);
    const paged = all(repo, {}, 4);
    expect(ids(paged)).toEqual(ids(whole));
    const keys = paged.map((s) => [s.startedAt, s.id] as const);
    expect(keys).toEqual([...keys].sort((x, y) => y[0] - x[0] || (y[1] < x[1] ? -1 : y[1] > x[1] ? 1 : 0)));
    expect(ids(all(repo, { state: 'COMPLETED' }, 3))).toEqual(
      ids(whole.filter((s) => s.state === 'COMPLETED' && !s.stuck)),
    );
  });

  it('reads a state page from the view-state index in order, from the cursor on', () => {
    const { repo, plan } = seeded();
    for (const state of ['RUNNING', 'COMPLETED', 'STUCK']) {
      const first = repo.list({ state }, { cursor: null, limit: 2 });
      expect(plan()).toMatch(/USING INDEX sagas_view \(<expr>=\?\)/);
      expect(plan()).not.toMatch(/TEMP B-TREE/);
      repo.list({ state }, { cursor: first.next, limit: 2 });
      expect(plan()).toMatch(/USING INDEX sagas_view \(<expr>=\? AND \(started_at,id\)<\(\?,\?\)\)/);
    }
    repo.counts();
    expect(plan()).not.toMatch(/SCAN sagas/);
  });
});
