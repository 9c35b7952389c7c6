import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus, type ConsumedRecord } from '../bus/index.ts';
import { allHeaders, headerString, parseTraceparent } from '../events/index.ts';
import { processWithSpan, sendWithSpan } from './messaging.ts';
import { createServiceTracing } from './tracing.ts';

// Propagation through record headers, the same on any Bus adapter: the producer's context goes in
// as traceparent, the consumer continues that trace as a child and links to the producer span.

describe('messaging spans', () => {
  const exporter = new InMemorySpanExporter();
  const producer = createServiceTracing({ serviceName: 'producer', exporter, simple: true });
  const consumer = createServiceTracing({ serviceName: 'consumer', exporter, simple: true });
  const bus = createEmbeddedBus();
  beforeEach(() => exporter.reset());
  afterAll(async () => {
    await Promise.all([producer.shutdown(), consumer.shutdown(), bus.close()]);
  });

  it('gives each record a send span with the messaging attributes', async () => {
    await bus.admin.ensureTopics([{ topic: 'spans-a', numPartitions: 1 }]);
    const [meta] = await sendWithSpan(producer.tracer, bus, [
      { topic: 'spans-a', key: 'o-1', value: '{}', headers: { ce_id: 'id-1', ce_correlationid: 'o-1' } },
    ]);
    const [send] = exporter.getFinishedSpans();
    expect(send).toMatchObject({ name: 'send spans-a', kind: SpanKind.PRODUCER });
    expect(send!.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'spans-a',
      'messaging.operation.type': 'send',
      'messaging.kafka.message.key': 'o-1',
      'messaging.message.id': 'id-1',
      'messaging.message.conversation_id': 'o-1',
      'messaging.kafka.offset': meta!.offset,
      'messaging.destination.partition.id': '0',
    });
  });

  it('replaces a stale traceparent; the process span continues that trace, links to it, and marks failures', async () => {
    await bus.admin.ensureTopics([{ topic: 'spans-b', numPartitions: 1 }]);
    const stale = '00-11111111111111111111111111111111-2222222222222222-01';
    await sendWithSpan(producer.tracer, bus, [
      { topic: 'spans-b', key: 'k', value: null, headers: { ce_id: 'id-2', traceparent: stale } },
    ]);
    const got = await new Promise<ConsumedRecord>((resolve) => {
      const c = bus.consumer({ groupId: 'spans-g', topics: ['spans-b'] });
      void c.run(async (b) => {
        resolve(b.records[0]!);
        await Promise.resolve();
        void c.stop();
      });
    });
    expect(allHeaders(got.headers, 'traceparent')).toHaveLength(1);
    const carried = parseTraceparent(headerString(got.headers, 'traceparent')!);
    if (!carried.ok) throw new Error(carried.error);
    await processWithSpan(consumer.tracer, got, 'spans-g', () => 'ok');
    await expect(
      processWithSpan(consumer.tracer, got, 'spans-g', () => {
        throw new Error('handler broke');
      }),
    ).rejects.toThrow('handler broke');
    const [send, ok, failed] = exporter.getFinishedSpans();
    expect(send!.spanContext().spanId).toBe(carried.value.spanId);
    for (const p of [ok!, failed!]) {
      expect(p.kind).toBe(SpanKind.CONSUMER);
      expect(p.spanContext().traceId).toBe(send!.spanContext().traceId);
      expect(p.parentSpanContext?.spanId).toBe(send!.spanContext().spanId);
      expect(p.links[0]?.context.spanId).toBe(send!.spanContext().spanId);
      expect(p.attributes).toMatchObject({
        'messaging.consumer.group.name': 'spans-g',
        'messaging.kafka.message.tombstone': true,
      });
    }
    expect(send!.attributes['messaging.kafka.message.tombstone']).toBe(true);
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed!.events.some((e) => e.name === 'exception')).toBe(true);
  });
});
