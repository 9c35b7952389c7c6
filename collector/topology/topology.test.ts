import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { alertsResponseSchema } from '../../lib/api/alerts.ts';
import { consumerGroupSchema, consumerGroupsSchema } from '../../lib/api/consumers.ts';
import { healthSchema, topologySchema } from '../../lib/api/topology.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';

// Consumer lag (the lag monitor wired in), the topology built from traffic, spans and groups,
// and the alerts route.

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });

describe('consumers, topology and alerts', () => {
  it('shows a consumer group with its lag and the flow service -> topic -> group -> service', async () => {
    const t = await startTestCollector({ deps: { lag: undefined } });
    stops.push(t.stop);
    const topic = uniqueName('orders');
    const group = uniqueName('billing');
    await t.bus.admin.createTopics([{ topic, numPartitions: 2 }]);
    await t.bus.produce(
      Array.from({ length: 10 }, (_, i) => ({
        topic,
        key: `k${i}`,
        value: '{}',
        headers: { ce_specversion: '1.0', ce_id: `e${i}`, ce_source: 'checkout', ce_type: 'OrderPlaced' },
      })),
    );
    // A group that read half and stopped: it commits 5 and never more.
    const consumer = t.bus.consumer({ groupId: group, topics: [topic], maxBatchRecords: 1 });
    let seen = 0;
    await consumer.run(async () => {
      seen++;
      if (seen > 5) await new Promise(() => undefined);
    });
    stops.push(async () => {
      await Promise.race([consumer.stop(), new Promise((r) => setTimeout(r, 500))]);
    });
    const g = await waitFor(
      async () => {
        const r = await t.api(`/api/consumers/${group}`);
        const parsed = r.status === 200 ? consumerGroupSchema.parse(r.body) : undefined;
        return parsed && parsed.totalLag === 10 - 5 && parsed;
      },
      { what: 'group lag 5', timeoutMs: 15_000 },
    );
    expect(g.partitions.reduce((s, p) => s + p.high - Math.max(0, p.committed), 0)).toBe(5);
    const all = consumerGroupsSchema.parse((await t.api('/api/consumers')).body);
    expect(all.items.map((x) => x.groupId)).toContain(group);
    expect(all.polledAt).not.toBeNull();
    expect((await t.api('/api/consumers/no-such-group')).status).toBe(404);
    expect(await t.collector.registry.metrics()).toMatch(
      new RegExp(`causeway_consumer_lag_offsets\\{group="${group}"`),
    );

    // A process span names the service that runs the group.
    const span = {
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      name: `process ${topic}`,
      kind: 5,
      startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
      endTimeUnixNano: String(BigInt(Date.now() + 3) * 1_000_000n),
      attributes: [kv('messaging.destination.name', topic), kv('messaging.consumer.group.name', group)],
    };
    const res = await fetch(`${t.collector.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          { resource: { attributes: [kv('service.name', 'billing-svc')] }, scopeSpans: [{ spans: [span] }] },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const topo = topologySchema.parse((await t.api('/api/topology')).body);
    const edge = (s: string, d: string) => topo.edges.find((e) => e.source === s && e.target === d);
    expect(edge('service:checkout', `topic:${topic}`)).toMatchObject({ kind: 'produces' });
    expect(edge(`topic:${topic}`, `group:${group}`)).toMatchObject({ kind: 'consumed_by' });
    expect(edge(`group:${group}`, 'service:billing-svc')).toMatchObject({ kind: 'runs' });
    expect(topo.nodes.find((n) => n.id === `group:${group}`)?.lagStatus).not.toBeNull();
    expect(topo.nodes.some((n) => n.id === 'group:causeway-collector')).toBe(false);
    expect(healthSchema.parse((await t.api('/api/health')).body).lagPolledAt).not.toBeNull();

    // Once send spans name the producer, its ce_source alias no longer shows as a second service.
    const send = { ...span, spanId: randomBytes(8).toString('hex'), name: `send ${topic}`, kind: 4 };
    const sent = await fetch(`${t.collector.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          { resource: { attributes: [kv('service.name', 'checkout-svc')] }, scopeSpans: [{ spans: [send] }] },
        ],
      }),
    });
    expect(sent.status).toBe(200);
    const traced = topologySchema.parse((await t.api('/api/topology')).body);
    expect(
      traced.edges.some((e) => e.source === 'service:checkout-svc' && e.target === `topic:${topic}`),
    ).toBe(true);
    expect(traced.nodes.some((n) => n.id === 'service:checkout')).toBe(false);
  });

  it('serves alerts from the native evaluator in the shared shape', async () => {
    const t = await startTestCollector();
    stops.push(t.stop);
    const a = alertsResponseSchema.parse((await t.api('/api/alerts')).body);
    expect(a.source).toBe('native');
  });
});
