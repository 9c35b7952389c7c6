import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store/sqlite/index.ts';
import { newRecord } from '../store/testing.ts';
import type { Store, StoreTx } from '../store/types.ts';
import { createDerivationCache } from './cache.ts';

// The derivation cache answers "the previous record of this key in this partition" (out_of_order
// detection) from memory: it must give the store's answer, and a key that is written to all the
// time must stay answered from memory even after the bounded map evicted it once.

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

function setup(entries: number) {
  const store = createSqliteStore({ path: ':memory:' });
  stores.push(store);
  const cache = createDerivationCache({ entries });
  cache.warm(store.warmKeys!());
  let lookups = 0;
  /** A transaction through the cache, over a store that counts the lookups that reach it. */
  const tx = <T>(fn: (t: StoreTx) => Promise<T>) =>
    store.transaction(async (raw) => {
      const counted: StoreTx = {
        ...raw,
        records: {
          ...raw.records,
          previousWithKey: (...a) => {
            lookups++;
            return raw.records.previousWithKey(...a);
          },
        },
      };
      const out = await fn(cache.wrap(counted));
      await cache.flush(raw);
      return out;
    });
  return { store, tx, lookups: () => lookups };
}

const keyed = (offset: number, key: string) => newRecord(offset, { keyText: key, keyEncoding: 'utf8' });

describe('derivation cache: the previous record of a key', () => {
  it('answers as the store does, from memory, also for a hot key the map evicted once', async () => {
    const { store, tx, lookups } = setup(4);
    let offset = 0;
    const hot: number[] = [];
    await tx(async (t) => {
      for (let round = 0; round < 5; round++) {
        // Enough other keys to push 'hot' out of a map of 4 entries between two of its records.
        for (let i = 0; i < 6; i++) await t.records.insert(keyed(offset++, `cold-${round}-${i}`));
        hot.push(offset);
        await t.records.insert(keyed(offset++, 'hot'));
      }
    });
    const before = lookups();
    const prev = await tx((t) => t.records.previousWithKey('t', 0, 'hot', offset));
    expect(prev?.offset).toBe(hot.at(-1));
    expect(await store.records.previousWithKey('t', 0, 'hot', offset)).toMatchObject({ offset: hot.at(-1) });
    // The newest 'hot' record was set when it was stored, though its predecessor had been evicted.
    expect(lookups() - before).toBe(0);
    // An earlier offset asks the store, and gets its answer.
    expect((await tx((t) => t.records.previousWithKey('t', 0, 'hot', hot[2]!)))?.offset).toBe(hot[1]);
    expect(lookups() - before).toBe(1);
  });
});

describe("derivation cache: a saga's events", () => {
  const event = (sagaId: string, seq: number, at: number, data: string | null = null) => ({
    sagaId,
    recordSeq: seq,
    recordId: `t:0:${seq}`,
    type: `Type${seq % 3}`,
    at,
    step: seq % 2 ? 'charge' : null,
    data,
  });

  it("gives the store's list, in the store's order, from memory and after a reload", async () => {
    const { store, tx } = setup(4);
    const added = [event('s1', 1, 30), event('s1', 2, 10, '{"x":1}'), event('s1', 3, 10), event('s1', 4, 20)];
    await tx(async (t) => {
      for (const e of added) await t.sagas.addEvent(e);
    });
    const fromStore = await store.sagas.events('s1');
    expect(fromStore.map((e) => e.recordSeq)).toEqual([2, 3, 4, 1]);
    // From memory: the saga was new to the filters, so the cache holds every event it was given.
    expect(await tx((t) => t.sagas.events('s1'))).toEqual(fromStore);
    // Evicted by other sagas (the events of 2 × 4 sagas: 4 – 8 held), then read back whole and kept.
    await tx(async (t) => {
      for (let i = 0; i < 8; i++) await t.sagas.addEvent(event(`other-${i}`, 10 + i, 5));
    });
    expect(await tx((t) => t.sagas.events('s1'))).toEqual(fromStore);
    await tx((t) => t.sagas.addEvent(event('s1', 5, 15)));
    expect(await tx((t) => t.sagas.events('s1'))).toEqual(await store.sagas.events('s1'));
    expect((await store.sagas.events('s1')).map((e) => e.recordSeq)).toEqual([2, 3, 5, 4, 1]);
  });
});
