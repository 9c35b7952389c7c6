import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import { createEnvelope, encodeEnvelopeHeaders } from '../../../lib/events/envelope.ts';
import { formatTraceparent } from '../../../lib/events/traceparent.ts';

// One very long business flow for the waterfall: every record carries the same correlation id,
// traces change every RECORDS_PER_TRACE records, every record gets a producer span and the first
// ones a consumer span joined by topic / partition / offset (sent over OTLP/JSON).

const RECORDS_PER_TRACE = 100;
const TYPES = [
  'OrderPlaced',
  'InventoryReserved',
  'PaymentAuthorized',
  'ShipmentPrepared',
  'OrderConfirmed',
  'NotificationSent',
];

export function chainMessages(runId: string, orderId: string, n: number, start: number) {
  const messages: Message[] = [];
  const meta: { traceId: string; spanId: string; ceId: string; at: number; source: string }[] = [];
  let traceId = '';
  let cause: string | undefined;
  for (let i = 0; i < n; i++) {
    if (i % RECORDS_PER_TRACE === 0) traceId = randomUUID().replace(/-/g, '');
    const at = start + i * 30;
    const ceId = randomUUID();
    const spanId = ceId.replace(/-/g, '').slice(0, 16);
    const type = TYPES[i % TYPES.length]!;
    const source = `svc-${i % 5}`;
    const env = createEnvelope({
      id: ceId,
      source,
      type,
      time: new Date(at),
      correlationId: orderId,
      ...(cause && { causationId: cause }),
      traceparent: formatTraceparent({ traceId, spanId }),
    });
    const headers: Record<string, Buffer> = {};
    for (const h of encodeEnvelopeHeaders(env)) headers[h.key] = h.value;
    messages.push({
      key: orderId,
      value: JSON.stringify({ orderId, step: i, run: runId }),
      headers,
      timestamp: String(at),
    });
    meta.push({ traceId, spanId, ceId, at, source });
    cause = ceId;
  }
  return { messages, meta };
}

const attr = (key: string, v: string | number) => ({
  key,
  value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
});
const nanos = (ms: number) => `${Math.round(ms * 1000)}000`;

export function spansFor(topic: string, meta: ReturnType<typeof chainMessages>['meta'], total: number) {
  const spans: { service: string; span: Record<string, unknown> }[] = [];
  for (let i = 0; i < meta.length && spans.length < total; i++) {
    const m = meta[i]!;
    spans.push({
      service: m.source,
      span: {
        traceId: m.traceId,
        spanId: m.spanId,
        name: `${topic} publish`,
        kind: 4,
        startTimeUnixNano: nanos(m.at - 3),
        endTimeUnixNano: nanos(m.at - 1),
        attributes: [
          attr('messaging.system', 'kafka'),
          attr('messaging.destination.name', topic),
          attr('messaging.destination.partition.id', '0'),
          attr('messaging.kafka.offset', i),
          attr('messaging.message.id', m.ceId),
        ],
        status: { code: 1 },
      },
    });
  }
  for (let i = 0; spans.length < total && i < meta.length; i++) {
    const m = meta[i]!;
    spans.push({
      service: 'bench-consumer',
      span: {
        traceId: m.traceId,
        spanId: randomUUID().replace(/-/g, '').slice(0, 16),
        parentSpanId: m.spanId,
        name: `${topic} process`,
        kind: 5,
        startTimeUnixNano: nanos(m.at + 4),
        endTimeUnixNano: nanos(m.at + 12),
        attributes: [
          attr('messaging.system', 'kafka'),
          attr('messaging.destination.name', topic),
          attr('messaging.destination.partition.id', '0'),
          attr('messaging.kafka.offset', i),
          attr('messaging.consumer.group.name', 'bench-consumer'),
        ],
        status: { code: 1 },
      },
    });
  }
  return spans;
}

export async function postSpans(otlpUrl: string, spans: ReturnType<typeof spansFor>) {
  for (let i = 0; i < spans.length; i += 500) {
    const part = spans.slice(i, i + 500);
    const byService = new Map<string, Record<string, unknown>[]>();
    for (const s of part) byService.set(s.service, [...(byService.get(s.service) ?? []), s.span]);
    const body = {
      resourceSpans: [...byService].map(([service, list]) => ({
        resource: { attributes: [attr('service.name', service)] },
        scopeSpans: [{ scope: { name: 'causeway-bench' }, spans: list }],
      })),
    };
    const res = await fetch(`${otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`OTLP export answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
}
