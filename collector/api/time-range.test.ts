import { afterEach, describe, expect, it } from 'vitest';
import { chainsPageSchema } from '../../lib/api/chains.ts';
import { sagasPageSchema } from '../../lib/api/sagas.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';
import { allFlowTopics, flowTopics, orderFlow } from '../testing-flows.ts';

// The lists' time range: `from` / `to` bound chains by their first record and sagas by their start.

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe('time-bounded lists', () => {
  it('bounds chains and sagas with from / to, and pages within the bounds', async () => {
    const t = await startTestCollector();
    stops.push(t.stop);
    const topics = flowTopics(`${uniqueName('range')}.`);
    await t.bus.admin.createTopics(allFlowTopics(topics));
    for (let i = 0; i < 3; i++) await t.bus.produce(orderFlow({ topics, outcome: 'ok' }).records);
    const chains = async (qs: string) => chainsPageSchema.parse((await t.api(`/api/chains${qs}`)).body);
    const sagas = async (qs: string) => sagasPageSchema.parse((await t.api(`/api/sagas${qs}`)).body);
    await waitFor(async () => (await chains('')).items.length === 3 && (await sagas('')).items.length >= 3);
    const firsts = (await chains('')).items.map((c) => c.startedAt).sort((a, b) => a - b);
    const future = Date.now() + 3_600_000;
    expect((await chains(`?from=${future}`)).items).toHaveLength(0);
    expect((await chains(`?to=${firsts[0]! - 1}`)).items).toHaveLength(0);
    expect((await chains(`?from=${firsts[1]}`)).items.map((c) => c.startedAt).sort()).toEqual(
      firsts.slice(1),
    );
    expect((await sagas(`?from=${future}`)).items).toHaveLength(0);
    expect((await sagas('?from=0')).items.length).toBe((await sagas('')).items.length);
    // Paging keeps the bound: two pages of one, then the end.
    const p1 = await chains(`?from=${firsts[1]}&limit=1`);
    const p2 = await chains(`?from=${firsts[1]}&limit=1&cursor=${encodeURIComponent(p1.nextCursor!)}`);
    expect([...p1.items, ...p2.items].map((c) => c.startedAt).sort()).toEqual(firsts.slice(1));
    if (p2.nextCursor)
      expect(
        (await chains(`?from=${firsts[1]}&limit=1&cursor=${encodeURIComponent(p2.nextCursor)}`)).items,
      ).toEqual([]);
  });
});
