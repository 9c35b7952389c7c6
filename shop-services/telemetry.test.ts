import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus, type Bus } from '../lib/bus/index.ts';
import { shopMetrics } from '../lib/metrics-catalog.ts';
import { waitFor } from '../lib/testing/wait-for.ts';
import { NO_RANDOM_FAULTS, orderFor, startTestShop, type TestShop } from './testing/harness.ts';
import { createShopTracing } from './tracing.ts';
import type { ShopTracing } from './types.ts';

// Telemetry contract (as in the OpenTelemetry Demo's trace-edge tests): one scripted order must
// produce spans whose producer → consumer edges between services are the shop's architecture,
// in one trace, with the messaging attributes the collector reads; /metrics must export the
// catalogued names.

const serviceOf = (s: ReadableSpan) => String(s.resource.attributes['service.name']);

describe('telemetry contract', () => {
  let bus: Bus;
  let t: TestShop;
  let tracing: ShopTracing;
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    bus = createEmbeddedBus();
    tracing = createShopTracing({ exporter, simple: true });
    t = await startTestShop(bus, { tracing });
    t.shop.faults.update(NO_RANDOM_FAULTS);
  });
  afterAll(async () => {
    await t?.stop();
    await tracing?.shutdown();
    await bus?.close();
  });

  it('a confirmed order forms the edges order → orchestrator → inventory / payment / shipping → notification', async () => {
    const orderId = await t.place(orderFor('tracy'));
    await t.waitTerminal([orderId]);
    const spansOf = () =>
      exporter
        .getFinishedSpans()
        .filter((s) => s.attributes['messaging.message.conversation_id'] === orderId);
    await waitFor(
      () => spansOf().some((s) => serviceOf(s) === 'notification' && s.kind === SpanKind.PRODUCER),
      {
        what: 'the notification to be sent',
      },
    );
    await tracing.forceFlush();
    const all = exporter.getFinishedSpans();
    const byId = new Map(all.map((s) => [s.spanContext().spanId, s]));
    const edges = new Set<string>();
    for (const consumer of spansOf().filter((s) => s.kind === SpanKind.CONSUMER)) {
      const producer = byId.get(consumer.parentSpanContext?.spanId ?? '');
      expect(producer?.kind, consumer.name).toBe(SpanKind.PRODUCER);
      // The consumer span continues the producer's trace and links to it.
      expect(consumer.links.map((l) => l.context.spanId)).toContain(producer!.spanContext().spanId);
      edges.add(`${serviceOf(producer!)} -> ${serviceOf(consumer)}`);
    }
    expect([...edges]).toEqual(
      expect.arrayContaining([
        'order -> orchestrator',
        'orchestrator -> inventory',
        'inventory -> orchestrator',
        'orchestrator -> payment',
        'payment -> orchestrator',
        'orchestrator -> shipping',
        'shipping -> orchestrator',
        'orchestrator -> notification',
        'shipping -> notification',
        'orchestrator -> order',
        'order -> loyalty',
        'payment -> loyalty',
        'inventory -> loyalty',
      ]),
    );
    // One trace from the HTTP request to the last notification.
    const http = all.find((s) => s.kind === SpanKind.SERVER && s.attributes['app.order.id'] === orderId)!;
    expect(http.name).toBe('POST /orders');
    // What a span wrote to the outbox is an event on it, with the record's topic, type and id.
    expect(
      http.events.map((e) => [
        e.name,
        e.attributes?.['cloudevents.event_type'],
        e.attributes?.['messaging.destination.name'],
      ]),
    ).toContainEqual(['outbox.enqueued', 'OrderPlaced', t.topics.orderEvents]);
    expect(new Set(spansOf().map((s) => s.spanContext().traceId))).toEqual(
      new Set([http.spanContext().traceId]),
    );
  });

  it('puts the messaging semantic-convention attributes on send and process spans', () => {
    const process = exporter
      .getFinishedSpans()
      .find((s) => s.name === `process ${t.topics.paymentCommands}`)!;
    expect(process.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': t.topics.paymentCommands,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.consumer.group.name': `${t.namespace}payment-service`,
    });
    const types = [
      'messaging.destination.partition.id',
      'messaging.kafka.offset',
      'messaging.kafka.message.key',
      'messaging.message.id',
    ].map((k) => typeof process.attributes[k]);
    expect(types).toEqual(['string', 'number', 'string', 'string']);
    expect(
      process.events
        .filter((e) => e.name === 'outbox.enqueued')
        .map((e) => e.attributes?.['messaging.destination.name']),
    ).toContain(t.topics.paymentEvents);
    const send = exporter.getFinishedSpans().find((s) => s.name === `send ${t.topics.paymentEvents}`)!;
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes['messaging.operation.type']).toBe('send');
    expect(typeof send.attributes['messaging.kafka.offset']).toBe('number');
    // No payment data beyond the method kind on any span.
    for (const s of exporter.getFinishedSpans())
      expect(JSON.stringify(s.attributes)).not.toMatch(/\d{13,19}/);
  });

  it('exports the catalogued shop metrics on /metrics', async () => {
    const text = await (await fetch(`${t.shop.orderUrl}/metrics`)).text();
    for (const m of Object.values(shopMetrics)) expect(text).toContain(`# TYPE ${m.name} ${m.kind}`);
    expect(text).toMatch(
      /shop_messages_consumed_total\{service="payment",topic="[^"]*payment\.commands",outcome="success"\} \d/,
    );
  });
});
