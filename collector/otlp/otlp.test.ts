import { gzipSync } from 'node:zlib';
import { SpanKind, SpanStatusCode, context, trace, type HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { spanSchema, type Span } from '../../lib/api/chains.ts';
import { decodeOtlpRequest } from './index.ts';

// Real exports: spans made by the OTel SDK and serialized by the same serializers the OTLP/HTTP
// exporters use, in both encodings. Whatever the SDK sends must decode, identically.

const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

async function sdkSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.2.3' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('otlp-test');
  const t0 = 1_763_700_000_000.123;
  const producer = tracer.startSpan('send orders', {
    kind: SpanKind.PRODUCER,
    startTime: t0,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.destination.partition.id': '2',
      'messaging.kafka.offset': 4711,
      'messaging.kafka.message.tombstone': false,
      ratio: 0.25,
      tags: ['a', 'b'],
      sizes: [1, 2, 3],
    },
  });
  producer.end(t0 + 3.5);
  const parent = tracer.startSpan('POST /orders', { kind: SpanKind.SERVER, startTime: t0 - 10 });
  const child = tracer.startSpan(
    'process orders',
    { kind: SpanKind.CONSUMER, startTime: t0 + 20, links: [{ context: producer.spanContext() }] },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent('payment.declined', { 'payment.reason': 'card', amount: 12.5, codes: [51] }, t0 + 30);
  child.addEvent('retry scheduled', t0 + 40.5);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'payment declined' });
  child.end(t0 + 45.25);
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end(t0 + 60);
  for (const kind of [SpanKind.INTERNAL, SpanKind.CLIENT])
    tracer.startSpan(`kind ${kind}`, { kind, startTime: t0 }).end(t0 + 1);
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

const hrToMs = ([s, ns]: HrTime) => Number((BigInt(s) * 1_000_000_000n + BigInt(ns)) / 1000n) / 1000;

const decodeOk = (body: Buffer | Uint8Array, contentType: string, contentEncoding?: string) => {
  const r = decodeOtlpRequest({ body: Buffer.from(body), contentType, contentEncoding });
  if (!r.ok) throw new Error(`expected ok, got ${r.status}: ${r.message}`);
  return r;
};

describe('OTLP/HTTP trace decoding', () => {
  let sdk: ReadableSpan[];
  let proto: Uint8Array;
  let json: Uint8Array;
  beforeAll(async () => {
    sdk = await sdkSpans();
    proto = ProtobufTraceSerializer.serializeRequest(sdk)!;
    json = JsonTraceSerializer.serializeRequest(sdk)!;
  });

  it('decodes the SDK protobuf and JSON encodings of the same spans to the same spans', () => {
    const fromProto = decodeOk(proto, PROTO);
    const fromJson = decodeOk(json, 'application/json; charset=utf-8');
    expect(fromProto.spans).toHaveLength(5);
    expect(fromProto.rejectedSpans).toBe(0);
    expect(fromJson).toEqual(fromProto);
    for (const s of fromProto.spans) expect(spanSchema.safeParse(s).success).toBe(true);
  });

  it('keeps ids, names, kinds, times, parents, links, status and attributes as the SDK recorded them', () => {
    const { spans } = decodeOk(proto, PROTO);
    const byName = new Map(spans.map((s) => [s.name, s]));
    for (const r of sdk) {
      const s = byName.get(r.name)!;
      expect(s).toMatchObject({
        traceId: r.spanContext().traceId,
        spanId: r.spanContext().spanId,
        service: 'checkout',
        startMs: hrToMs(r.startTime),
        endMs: hrToMs(r.endTime),
        recordId: null,
      });
    }
    const producer = byName.get('send orders')!;
    expect(producer.kind).toBe('producer');
    expect(producer.parentSpanId).toBeNull();
    expect(producer.endMs - producer.startMs).toBeCloseTo(3.5, 3);
    expect(producer.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.destination.partition.id': '2',
      'messaging.kafka.offset': 4711,
      'messaging.kafka.message.tombstone': false,
      ratio: 0.25,
      tags: '["a","b"]',
      sizes: '[1,2,3]',
    });
    const child = byName.get('process orders')!;
    const parent = byName.get('POST /orders')!;
    expect(child).toMatchObject({
      kind: 'consumer',
      parentSpanId: parent.spanId,
      traceId: parent.traceId,
      status: 'error',
      links: [{ traceId: producer.traceId, spanId: producer.spanId }],
      attributes: { 'otel.status_description': 'payment declined' },
    });
    expect(parent).toMatchObject({ kind: 'server', status: 'ok', events: [] });
    expect(byName.get(`kind ${SpanKind.INTERNAL}`)!.kind).toBe('internal');
    expect(byName.get(`kind ${SpanKind.CLIENT}`)!).toMatchObject({ kind: 'client', status: 'unset' });
  });

  it('keeps span events (name, time, attributes) and the attributes of the resource', () => {
    const { spans } = decodeOk(json, JSON_TYPE);
    const child = spans.find((s) => s.name === 'process orders')!;
    const t0 = 1_763_700_000_000.123;
    const recorded = sdk.find((r) => r.name === 'process orders')!.events;
    expect(child.events).toEqual([
      {
        name: 'payment.declined',
        timeMs: hrToMs(recorded[0]!.time),
        attributes: { 'payment.reason': 'card', amount: 12.5, codes: '[51]' },
      },
      { name: 'retry scheduled', timeMs: hrToMs(recorded[1]!.time), attributes: {} },
    ]);
    expect(child.events[0]!.timeMs).toBeCloseTo(t0 + 30, 3);
    expect(child.events[1]!.timeMs).toBeCloseTo(t0 + 40.5, 3);
    for (const s of spans)
      expect(s.resource).toMatchObject({ 'service.name': 'checkout', 'service.version': '1.2.3' });
  });

  it('keeps at most 128 events of a JSON span', () => {
    const events = Array.from({ length: 200 }, (_, i) => ({ name: `e${i}`, timeUnixNano: String(i * 1e6) }));
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            { spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', events }] },
          ],
        },
      ],
    });
    const [span] = decodeOk(Buffer.from(body), JSON_TYPE).spans;
    expect(span!.events).toHaveLength(128);
    expect(span!.events[127]).toEqual({ name: 'e127', timeMs: 127, attributes: {} });
    expect(span!.resource).toEqual({});
  });

  it('accepts gzip-compressed bodies in both encodings', () => {
    const plain = decodeOk(proto, PROTO);
    expect(decodeOk(gzipSync(proto), PROTO, 'gzip')).toEqual(plain);
    expect(decodeOk(gzipSync(json), JSON_TYPE, 'GZIP')).toEqual(plain);
  });

  it('stops a zip bomb at 32 MiB decompressed with a 413', () => {
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const r = decodeOtlpRequest({ body: bomb, contentType: PROTO, contentEncoding: 'gzip' });
    expect(r).toMatchObject({ ok: false, status: 413 });
  });

  it('answers 400 with the reason for a truncated protobuf body', () => {
    for (const cut of [1, 7, Math.floor(proto.length / 2), proto.length - 1]) {
      const r = decodeOtlpRequest({
        body: Buffer.from(proto.subarray(0, cut)),
        contentType: PROTO,
        contentEncoding: undefined,
      });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.status).toBe(400);
        expect(r.message).toMatch(
          /^protobuf: (field \d+ length \d+ exceeds remaining \d+ bytes|truncated varint|fixed64 needs|double needs)/,
        );
      }
    }
  });

  it('answers 400 for a corrupt gzip stream and for JSON that is not a trace export', () => {
    const corrupt = gzipSync(proto).subarray(0, 20);
    expect(decodeOtlpRequest({ body: corrupt, contentType: PROTO, contentEncoding: 'gzip' })).toMatchObject({
      ok: false,
      status: 400,
    });
    const notJson = decodeOtlpRequest({
      body: Buffer.from('{"resourceSpans": ['),
      contentType: JSON_TYPE,
      contentEncoding: undefined,
    });
    expect(notJson).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringMatching(/^json: /) as string,
    });
    const wrongShape = decodeOtlpRequest({
      body: Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 42 }] }] }] })),
      contentType: JSON_TYPE,
      contentEncoding: undefined,
    });
    expect(wrongShape).toMatchObject({ ok: false, status: 400 });
    if (!wrongShape.ok) expect(wrongShape.message).toContain('resourceSpans.0.scopeSpans.0.spans.0.name');
  });

  it('refuses other content types and encodings with a 415 that says what to send', () => {
    for (const contentType of [undefined, 'text/plain', 'application/grpc', 'application/jsonx']) {
      const r = decodeOtlpRequest({ body: Buffer.from(proto), contentType, contentEncoding: undefined });
      expect(r).toMatchObject({
        ok: false,
        status: 415,
        message: expect.stringContaining('application/x-protobuf') as string,
      });
    }
    expect(
      decodeOtlpRequest({ body: Buffer.from(proto), contentType: PROTO, contentEncoding: 'br' }),
    ).toMatchObject({
      ok: false,
      status: 415,
    });
    expect(decodeOk(proto, 'application/protobuf').spans).toHaveLength(5);
  });

  it('accepts a batch up to maxSpans and refuses a larger one with a 413', () => {
    const doc = (n: number) =>
      Buffer.from(
        JSON.stringify({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: Array.from({ length: n }, (_, i) => ({
                    traceId: '0af7651916cd43dd8448eb211c80319c',
                    spanId: (i + 1).toString(16).padStart(16, '0'),
                    name: 'tick',
                    startTimeUnixNano: '1700000000000000000',
                    endTimeUnixNano: 1700000000001000000,
                  })),
                },
              ],
            },
          ],
        }),
      );
    const atLimit = decodeOtlpRequest({
      body: doc(50_000),
      contentType: JSON_TYPE,
      contentEncoding: undefined,
    });
    expect(atLimit.ok && atLimit.spans.length).toBe(50_000);
    const over = decodeOtlpRequest({ body: doc(50_001), contentType: JSON_TYPE, contentEncoding: undefined });
    expect(over).toMatchObject({ ok: false, status: 413 });
    expect(
      decodeOtlpRequest({
        body: Buffer.from(proto),
        contentType: PROTO,
        contentEncoding: undefined,
        maxSpans: 4,
      }),
    ).toMatchObject({
      ok: false,
      status: 413,
    });
  });

  it('rejects spans without valid ids, names the service unknown_service when the resource has none', () => {
    const span = (traceId: string, spanId: string): Record<string, unknown> => ({
      traceId,
      spanId,
      name: 'x',
      kind: 'SPAN_KIND_PRODUCER',
    });
    const r = decodeOk(
      Buffer.from(
        JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'host.name', value: { stringValue: 'h1' } }] },
              scopeSpans: [
                {
                  spans: [
                    span('0AF7651916CD43DD8448EB211C80319C', 'b7ad6b7169203331'),
                    span('', 'b7ad6b7169203331'),
                    span('00000000000000000000000000000000', 'b7ad6b7169203331'),
                    span('0af7651916cd43dd8448eb211c80319c', 'xyz'),
                  ],
                },
              ],
            },
          ],
        }),
      ),
      JSON_TYPE,
    );
    expect(r.rejectedSpans).toBe(3);
    expect(r.spans).toEqual<Span[]>([
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        parentSpanId: null,
        name: 'x',
        kind: 'producer',
        service: 'unknown_service',
        startMs: 0,
        endMs: 0,
        status: 'unset',
        attributes: {},
        links: [],
        events: [],
        resource: { 'host.name': 'h1' },
        recordId: null,
      },
    ]);
  });

  it('accepts an empty export request', () => {
    expect(decodeOk(Buffer.alloc(0), PROTO)).toEqual({ ok: true, spans: [], rejectedSpans: 0 });
    expect(decodeOk(Buffer.from('{}'), JSON_TYPE)).toEqual({ ok: true, spans: [], rejectedSpans: 0 });
  });
});
