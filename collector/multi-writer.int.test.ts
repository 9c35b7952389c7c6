import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../lib/bus/embedded.ts';
import { uniqueName, waitFor } from '../lib/testing/wait-for.ts';
import { createTestPgDatabase } from './store/postgres/testing.ts';
import type { Cursor, Page, Store } from './store/types.ts';
import type { Collector } from './index.ts';
import { startTestCollector } from './testing.ts';
import { allFlowTopics, flowTopics, orderFlow } from './testing-flows.ts';

// Two collectors of one consumer group over one PostgreSQL store, on the embedded bus: the
// records of every order are spread over both (each topic has two partitions, assigned round
// robin), so most chains and sagas are written by both at once. What they derive together must be
// what one collector on its own SQLite store derives from the same records. The real-broker,
// multi-process version with a kill is multi-collector.int.test.ts.

const PG_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ORDERS = 60;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function all<T>(next: (c: Cursor | null) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: Cursor | null = null;
  do {
    const page: Page<T> = await next(cursor);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

/** Chains, sagas and dead-letter entries as sorted lines: id, state, record and hop counts. */
async function derived(store: Store) {
  const chains = await all((cursor) =>
    store.chains.list({ now: Date.now(), stoppedAfterMs: 1e12 }, { cursor, limit: 200 }),
  );
  const sagas = await all((cursor) => store.sagas.list({}, { cursor, limit: 200 }));
  const dlq = await all((cursor) => store.dlq.list({}, { cursor, limit: 200 }));
  const lines = {
    chains: await Promise.all(
      chains.map(
        async (c) =>
          `${c.id} records=${c.recordCount} hops=${(await store.records.byChain(c.id, 10_000)).length} ` +
          `complete=${c.completeAt !== null} first=${c.firstTs} last=${c.lastTs} flow=${c.flow}`,
      ),
    ),
    sagas: await Promise.all(
      sagas.map(
        async (s) =>
          `${s.id} ${s.state} events=${(await store.sagas.events(s.id)).length} step=${s.currentStep}`,
      ),
    ),
    dlq: dlq.map((e) => `${e.id} ${e.status} replays=${e.replayCount} chain=${e.chainId}`),
  };
  return { chains: lines.chains.sort(), sagas: lines.sagas.sort(), dlq: lines.dlq.sort() };
}

describe('two collectors, one PostgreSQL store', () => {
  it('derive the chains, sagas and dead letters one collector derives on its own', async () => {
    const bus = createEmbeddedBus({ retentionMs: 1000 * 365 * 86_400_000 });
    cleanups.push(() => bus.close());
    const topics = flowTopics(`${uniqueName('ns')}.`);
    await bus.admin.createTopics(allFlowTopics(topics));
    const db = await createTestPgDatabase(PG_URL);
    cleanups.push(() => db.drop());
    const shared = { COLLECTOR_GROUP_ID: 'shared-group' };
    const members: Collector[] = [];
    for (const member of ['a', 'b']) {
      const t = await startTestCollector({ bus, env: shared, deps: { store: await db.open(member) } });
      cleanups.push(t.stop);
      members.push(t.collector);
    }
    const ingested = async (c: Collector) => {
      const m = await c.registry.getSingleMetric('causeway_records_ingested_total')?.get();
      return (m?.values ?? []).reduce((n, v) => n + v.value, 0);
    };
    const ref = await startTestCollector({ bus, env: { COLLECTOR_GROUP_ID: 'reference' } });
    cleanups.push(ref.stop);

    const outcomes = ['ok', 'decline', 'poison'] as const;
    const flows = Array.from({ length: ORDERS }, (_, i) =>
      orderFlow({ topics, outcome: outcomes[i % 3], start: Date.now() - 60_000 + i * 100 }),
    );
    const total = flows.reduce((n, f) => n + f.records.length, 0);
    // In rounds, so that both collectors index records of the same orders at the same time.
    for (let i = 0; i < flows.length; i += 10)
      await bus.produce(
        // Each order's records alternate between the partitions, so between the two collectors.
        flows.slice(i, i + 10).flatMap((f) => f.records.map((r, j) => ({ ...r, partition: j % 2 }))),
      );

    const pg = await db.open('reader');
    cleanups.push(() => pg.close());
    await waitFor(async () => (await pg.records.stats()).approxCount === total, {
      what: `all ${total} records in the shared store`,
    });
    await waitFor(async () => (await ref.collector.store.records.stats()).approxCount === total, {
      what: `all ${total} records in the reference store`,
    });
    // Both stores index each record with its derivations in one transaction: counted, derived.
    const [got, want] = await Promise.all([derived(pg), derived(ref.collector.store)]);
    // Each collector indexed part of the records (its partitions).
    for (const c of members) expect(await ingested(c)).toBeGreaterThan(0);
    expect(got.chains).toHaveLength(ORDERS);
    expect(got.sagas.length).toBeGreaterThanOrEqual(ORDERS);
    expect(got.dlq).toHaveLength(ORDERS / 3);
    expect(got).toEqual(want);
  });
});
