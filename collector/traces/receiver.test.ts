import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { chainSchema } from '../../lib/api/chains.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';
import { allFlowTopics, flowTopics, headerOf, orderFlow } from '../testing-flows.ts';

// OTLP/HTTP in, spans joined to records, hops timed.

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const kv = (key: string, v: string | number) => ({
  key,
  value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
});
const ns = (ms: number) => String(BigInt(Math.round(ms)) * 1_000_000n);

function otlp(service: string, spans: object[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', service)] },
        scopeSpans: [{ scope: { name: 't' }, spans }],
      },
    ],
  };
}

describe('OTLP/HTTP receiver', () => {
  it('stores spans, joins send and process spans to their record, and times the hop', async () => {
    const t = await startTestCollector();
    stops.push(t.stop);
    const topics = flowTopics(`${uniqueName('otlp')}.`);
    await t.bus.admin.createTopics(allFlowTopics(topics));
    const flow = orderFlow({ topics });
    const meta = await t.bus.produce(flow.records);
    const i = flow.records.findIndex((r) => r.topic === topics.paymentCommands);
    const rec = flow.records[i]!;
    const m = meta[i]!;
    const [, traceId, sendSpanId] = headerOf(rec, 'traceparent')!.split('-');
    const processSpanId = randomBytes(8).toString('hex');
    const t0 = m.timestamp;
    // The process span arrives first (exporters batch independently of Kafka).
    const consumer = otlp('payment', [
      {
        traceId,
        spanId: processSpanId,
        parentSpanId: sendSpanId,
        name: `process ${m.topic}`,
        kind: 5,
        startTimeUnixNano: ns(t0 + 5),
        endTimeUnixNano: ns(t0 + 25),
        attributes: [
          kv('messaging.system', 'kafka'),
          kv('messaging.destination.name', m.topic),
          kv('messaging.destination.partition.id', String(m.partition)),
          kv('messaging.kafka.offset', m.offset),
          kv('messaging.consumer.group.name', 'payment'),
        ],
        links: [{ traceId, spanId: sendSpanId }],
        status: {},
      },
    ]);
    const post = (body: Buffer, headers: Record<string, string>) =>
      fetch(`${t.collector.otlpUrl}/v1/traces`, { method: 'POST', headers, body: new Uint8Array(body) });
    const r1 = await post(Buffer.from(JSON.stringify(consumer)), { 'content-type': 'application/json' });
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({});
    const producer = otlp('orchestrator', [
      {
        traceId,
        spanId: sendSpanId,
        name: `send ${m.topic}`,
        kind: 4,
        startTimeUnixNano: ns(t0 - 2),
        endTimeUnixNano: ns(t0 - 1),
        attributes: [kv('messaging.destination.name', m.topic)],
      },
    ]);
    const r2 = await post(gzipSync(JSON.stringify(producer)), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(r2.status).toBe(200);

    const chain = await waitFor(async () => {
      const c = chainSchema.parse((await t.api(`/api/chains/${flow.orderId}`)).body);
      return c.records.length === flow.records.length && c.spans.length === 2 && c;
    });
    const id = `${m.topic}:${m.partition}:${m.offset}`;
    expect(chain.spans.map((s) => s.recordId)).toEqual([id, id]);
    expect(chain.hops.find((h) => h.recordId === id)).toEqual({
      recordId: id,
      topic: m.topic,
      producer: 'orchestrator',
      consumerGroup: 'payment',
      consumer: 'payment',
      producedAt: t0 - 2,
      // The topic uses CreateTime, so the broker's time is the producer span's end (its ack), not
      // the record's timestamp (which the producer set).
      brokerAt: t0 - 1,
      brokerAtSource: 'producer_ack',
      consumedAt: t0 + 5,
      processedAt: t0 + 25,
    });
    const metrics = await t.collector.registry.metrics();
    expect(metrics).toMatch(/causeway_otlp_spans_received_total 2/);
    expect(metrics).toMatch(/causeway_otlp_requests_total\{outcome="accepted"\} 2/);
  });

  it('answers 400 / 415 with a message for malformed payloads and counts them', async () => {
    const t = await startTestCollector();
    stops.push(t.stop);
    const url = `${t.collector.otlpUrl}/v1/traces`;
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0xff, 0x01]),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/x-protobuf');
    const wrongType = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as { message: string }).message).toMatch(/Content-Type/);
    const notJson = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans": 5',
    });
    expect(notJson.status).toBe(400);
    expect((await fetch(`${t.collector.otlpUrl}/v1/metrics`, { method: 'POST' })).status).toBe(404);
    expect(await t.collector.registry.metrics()).toMatch(
      /causeway_otlp_requests_total\{outcome="refused"\} 3/,
    );
  });
});
