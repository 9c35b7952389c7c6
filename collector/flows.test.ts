import { afterEach, describe, expect, it } from 'vitest';
import { chainSchema, chainsPageSchema } from '../lib/api/chains.ts';
import {
  dlqEntryDetailSchema,
  dlqGroupsSchema,
  dlqPageSchema,
  replayResponseSchema,
} from '../lib/api/dlq.ts';
import { sagaDetailSchema, sagasPageSchema } from '../lib/api/sagas.ts';
import { recordsPageSchema } from '../lib/api/records.ts';
import { uniqueName, waitFor } from '../lib/testing/wait-for.ts';
import { startTestCollector } from './testing.ts';
import { allFlowTopics, flowTopics, headerOf, orderFlow } from './testing-flows.ts';

// Business flows through the collector on the embedded bus: chains, sagas, dead letters, replay.

const OPERATOR = 'operator-secret-token';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function setup(env: Record<string, string> = {}) {
  const t = await startTestCollector({ env: { OPERATOR_TOKEN: OPERATOR, ...env } });
  stops.push(t.stop);
  const topics = flowTopics(`${uniqueName('ns')}.`);
  await t.bus.admin.createTopics(allFlowTopics(topics));
  return { ...t, topics };
}

describe('business flows (embedded bus)', () => {
  it('stitches an order into one complete chain, findable by any id in it', async () => {
    const { bus, api, topics, collector } = await setup();
    const flow = orderFlow({ topics });
    const meta = await bus.produce(flow.records);
    const chain = await waitFor(
      async () => {
        const r = await api(`/api/chains/${flow.orderId}`);
        const c = r.status === 200 ? chainSchema.parse(r.body) : undefined;
        return c?.records.length === flow.records.length && c.status === 'complete' && c;
      },
      { what: 'complete chain' },
    );
    expect(chain.id).toBe(flow.orderId);
    expect(chain.flow).toBe('order-fulfilment');
    expect(chain.traceIds).toContain(flow.traceId);
    const causation = chain.edges.filter((e) => e.kind === 'causation');
    expect(causation.length).toBeGreaterThanOrEqual(8);
    expect(chain.sagaIds).toEqual(expect.arrayContaining([flow.sagaId, `loyalty-award:${flow.orderId}`]));
    expect(chain.hops).toHaveLength(flow.records.length);

    const m = meta[3]!;
    for (const id of [flow.traceId, flow.ids.PaymentAuthorized!, `${m.topic}:${m.partition}:${m.offset}`]) {
      const r = await api(`/api/chains/${encodeURIComponent(id)}`);
      expect(r.status, id).toBe(200);
      expect(chainSchema.parse(r.body).id).toBe(flow.orderId);
    }
    expect((await api('/api/chains/no-such-thing')).status).toBe(404);

    const list = chainsPageSchema.parse(
      (await api('/api/chains?status=complete&flow=order-fulfilment')).body,
    );
    expect(list.items.map((c) => c.id)).toContain(flow.orderId);
    expect((await api('/api/chains?status=bogus')).status).toBe(400);
    const metrics = await collector.registry.metrics();
    expect(metrics).toMatch(/causeway_chain_latency_seconds_count\{flow="order-fulfilment"\} 1/);
  });

  it('derives the orchestrated saga from its records and the choreographed one from definitions', async () => {
    const { bus, api, topics } = await setup();
    const ok = orderFlow({ topics });
    const declined = orderFlow({ topics, outcome: 'decline' });
    // Out of order on purpose: ingest order across topics is arbitrary.
    await bus.produce([...declined.records].reverse());
    await bus.produce(ok.records);
    const saga = await waitFor(async () => {
      const r = await api(`/api/sagas/${ok.sagaId}`);
      const s = r.status === 200 ? sagaDetailSchema.parse(r.body) : undefined;
      return s?.state === 'COMPLETED' && s;
    });
    expect(saga.source).toBe('orchestrated');
    expect(saga.steps.map((s) => [s.name, s.status])).toEqual([
      ['reserve-inventory', 'SUCCEEDED'],
      ['authorize-payment', 'SUCCEEDED'],
      ['prepare-shipment', 'SUCCEEDED'],
    ]);
    expect(saga.steps[0]!.recordIds.length).toBeGreaterThanOrEqual(3);
    expect(saga.nextExpected).toBeNull();

    const comp = await waitFor(async () => {
      const s = sagaDetailSchema.parse((await api(`/api/sagas/${declined.sagaId}`)).body);
      return s.state === 'COMPENSATED' && s;
    });
    expect(comp.steps.find((s) => s.name === 'authorize-payment')?.status).toBe('FAILED');
    expect(comp.steps.find((s) => s.name === 'release-inventory')).toMatchObject({
      status: 'COMPENSATED',
      compensation: true,
    });
    expect(comp.reason).toMatch(/declined/);

    // Complete is not success: the declined order's chain says it was cancelled, and why.
    const declinedChain = await waitFor(async () => {
      const r = await api(`/api/chains/${declined.orderId}`);
      const c = r.status === 200 ? chainSchema.parse(r.body) : undefined;
      return c?.status === 'complete' && c;
    });
    expect(declinedChain.outcome).toEqual({ kind: 'failed', event: 'OrderCancelled', reason: 'declined' });
    const okChain = chainSchema.parse((await api(`/api/chains/${ok.orderId}`)).body);
    expect(okChain.outcome).toEqual({ kind: 'succeeded', event: 'OrderConfirmed', reason: null });
    const listed = chainsPageSchema.parse((await api('/api/chains?limit=50')).body).items;
    expect(listed.find((c) => c.id === declined.orderId)?.outcome.kind).toBe('failed');

    // Records are indexed in the order they landed, which across topics is arbitrary.
    const sagaIn = (id: string, state: string) =>
      waitFor(async () => {
        const s = sagaDetailSchema.parse((await api(`/api/sagas/${id}`)).body);
        return s.state === state && s;
      });
    const loyalty = await sagaIn(`loyalty-award:${ok.orderId}`, 'COMPLETED');
    expect(loyalty).toMatchObject({ source: 'choreographed', correlationId: ok.orderId });
    expect(loyalty.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
    await sagaIn(`loyalty-award:${declined.orderId}`, 'FAILED');

    const page = sagasPageSchema.parse((await api('/api/sagas?type=order-fulfilment')).body);
    expect(page.items.map((s) => s.id).sort()).toEqual([ok.sagaId, declined.sagaId].sort());
    expect(page.counts).toEqual(
      expect.arrayContaining([{ type: 'order-fulfilment', state: 'COMPLETED', count: 1 }]),
    );
    const compensated = sagasPageSchema.parse((await api('/api/sagas?state=COMPENSATED')).body);
    expect(compensated.items.map((s) => s.id)).toEqual([declined.sagaId]);
    expect((await api('/api/sagas?state=NOPE')).status).toBe(400);
  });

  it('reports a saga STUCK once its deadline passed with no transition', async () => {
    const { bus, api, topics } = await setup({ SAGA_STUCK_GRACE_MS: '0' });
    const stalled = orderFlow({ topics, outcome: 'stall', start: Date.now() - 5000, deadlineMs: 1000 });
    await bus.produce(stalled.records);
    const s = await waitFor(async () => {
      const r = await api(`/api/sagas/${stalled.sagaId}`);
      const d = r.status === 200 ? sagaDetailSchema.parse(r.body) : undefined;
      return d?.state === 'STUCK' && d;
    });
    expect(s.currentStep).toBe('authorize-payment');
    expect(s.nextExpected?.events).toEqual(['PaymentAuthorized', 'PaymentDeclined']);
    expect(s.history.at(-1)?.state).toBe('STUCK');
    const stuck = sagasPageSchema.parse((await api('/api/sagas?stuck=true')).body);
    expect(stuck.items.map((x) => x.id)).toContain(stalled.sagaId);
  });

  it('turns a Spring dead letter into an entry, replays it exactly once, and follows the outcome', async () => {
    const { bus, api, topics, collector } = await setup();
    const flow = orderFlow({ topics, outcome: 'poison' });
    await bus.produce(flow.records);
    const page = await waitFor(async () => {
      const p = dlqPageSchema.parse((await api(`/api/dlq?dlqTopic=${topics.paymentCommandsDlt}`)).body);
      return p.items.length === 1 && p;
    });
    const entry = page.items[0]!;
    expect(entry).toMatchObject({
      convention: 'spring',
      originTopic: topics.paymentCommands,
      originPartition: 0,
      originGroup: 'payment',
      errorClass: 'AppError.poison',
      errorMessage: 'poison message',
      attempts: 1,
      correlationId: flow.orderId,
      sagaId: flow.sagaId,
      status: 'unresolved',
      replayCount: 0,
    });
    const groups = dlqGroupsSchema.parse((await api('/api/dlq/groups')).body);
    expect(groups.byOrigin).toContainEqual({
      dlqTopic: topics.paymentCommandsDlt,
      originTopic: topics.paymentCommands,
      total: 1,
      unresolved: 1,
    });
    const chain = chainSchema.parse((await api(`/api/chains/${flow.orderId}`)).body);
    expect(chain.status).toBe('failed');
    expect(chain.stoppedAt).toMatch(/dead-lettered to .*payment\.commands-dlt: AppError\.poison/);

    const path = `/api/dlq/${encodeURIComponent(entry.id)}/replay`;
    const post = (key: string, token = OPERATOR) =>
      api(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ replayKey: key }),
      });
    expect((await api(path, { method: 'POST', body: '{"replayKey":"abcdefgh"}' })).status).toBe(401);
    expect((await post('abcdefgh', 'wrong-token-123')).status).toBe(403);
    expect((await post('bad key!')).status).toBe(400);

    const before = (await bus.admin.topicOffsets(topics.paymentCommands)).reduce((s, p) => s + p.high, 0);
    const [a, b] = await Promise.all([post('click-0001'), post('click-0001')]);
    const ra = replayResponseSchema.parse(a.body);
    const rb = replayResponseSchema.parse(b.body);
    expect([ra.duplicate, rb.duplicate].sort()).toEqual([false, true]);
    expect(ra.replay.id).toBe(rb.replay.id);
    expect(ra.replay.status).toBe('produced');
    const again = replayResponseSchema.parse((await post('click-0001')).body);
    expect(again).toMatchObject({ duplicate: true, replay: { id: ra.replay.id } });
    const after = (await bus.admin.topicOffsets(topics.paymentCommands)).reduce((s, p) => s + p.high, 0);
    expect(after - before).toBe(1);

    const replayed = await waitFor(async () => {
      const p = recordsPageSchema.parse((await api(`/api/records?topic=${topics.paymentCommands}`)).body);
      return p.items.find(
        (r) => r.offset === ra.replay.targetOffset && r.partition === ra.replay.targetPartition,
      );
    });
    expect(replayed.ceId).toBe(flow.ids.AuthorizePayment);
    expect(replayed.anomalies).not.toContain('duplicate');

    // The payment service processes the replayed command: its reply is caused by it.
    const orig = flow.records.find((r) => r.topic === topics.paymentCommands)!;
    await bus.produce([
      {
        topic: topics.payment,
        key: flow.orderId,
        value: '{}',
        headers: {
          ce_specversion: '1.0',
          ce_id: 'reply-after-replay',
          ce_source: 'payment',
          ce_type: 'PaymentAuthorized',
          ce_correlationid: flow.orderId,
          ce_causationid: flow.ids.AuthorizePayment!,
          traceparent: headerOf(orig, 'traceparent')!,
        },
      },
    ]);
    const detail = await waitFor(async () => {
      const d = dlqEntryDetailSchema.parse((await api(`/api/dlq/${encodeURIComponent(entry.id)}`)).body);
      return d.replays[0]?.outcome === 'processed' && d;
    });
    expect(detail).toMatchObject({ status: 'resolved', replayCount: 1, chainId: flow.orderId });
    expect(detail.replays).toHaveLength(1);
    expect(detail.replays[0]).toMatchObject({
      requestedBy: 'operator',
      status: 'produced',
      targetTopic: topics.paymentCommands,
    });
    expect(await collector.registry.metrics()).toMatch(/causeway_replays_total\{result="succeeded"\} 1/);
  });

  it('refuses a replay past the loop guard and quarantines the entry', async () => {
    const { bus, api, topics } = await setup({ REPLAY_MAX_COUNT: '1' });
    const flow = orderFlow({ topics, outcome: 'poison' });
    await bus.produce(flow.records);
    const entry = await waitFor(async () => dlqPageSchema.parse((await api('/api/dlq')).body).items[0]);
    const post = (key: string) =>
      api(`/api/dlq/${encodeURIComponent(entry.id)}/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR}` },
        body: JSON.stringify({ replayKey: key }),
      });
    expect(replayResponseSchema.parse((await post('first-click')).body).replay.status).toBe('produced');
    const refused = replayResponseSchema.parse((await post('second-click')).body);
    expect(refused.replay.status).toBe('refused');
    expect(refused.replay.error).toMatch(/loop guard/);
    const d = dlqEntryDetailSchema.parse((await api(`/api/dlq/${encodeURIComponent(entry.id)}`)).body);
    expect(d.status).toBe('quarantined');
    expect(d.replays.map((r) => r.status)).toEqual(['produced', 'refused']);
  });
});
