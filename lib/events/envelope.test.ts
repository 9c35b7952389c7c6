import { describe, expect, it } from 'vitest';
import { createEnvelope, decodeEnvelopeHeaders, encodeEnvelopeHeaders } from './envelope.ts';
import { parseTraceparent, formatTraceparent } from './traceparent.ts';
import type { RecordHeader } from './headers.ts';

const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('CloudEvents envelope headers', () => {
  it('round-trips an envelope through Kafka headers', () => {
    const env = createEnvelope({
      source: 'shop/order',
      type: 'OrderPlaced',
      causationId: 'c-1',
      correlationId: 'order-1',
      saga: { id: 's-1', type: 'order-fulfilment', step: 'reserve' },
      traceparent: tp,
    });
    const decoded = decodeEnvelopeHeaders(encodeEnvelopeHeaders(env));
    expect(decoded).toMatchObject({
      isCloudEvent: true,
      id: env.id,
      type: 'OrderPlaced',
      source: 'shop/order',
      causationId: 'c-1',
      correlationId: 'order-1',
      saga: { id: 's-1', type: 'order-fulfilment', step: 'reserve' },
      contentType: 'application/json',
      trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true },
      problems: [],
    });
  });

  it('never throws on bad headers and says what was wrong', () => {
    const headers: RecordHeader[] = [
      { key: 'ce_specversion', value: Buffer.from('1.0') },
      { key: 'ce_id', value: Buffer.from([0xff, 0xfe]) },
      { key: 'ce_type', value: Buffer.from('X') },
      { key: 'ce_time', value: Buffer.from('yesterday') },
      { key: 'traceparent', value: Buffer.from('00-zz-11-01') },
    ];
    const d = decodeEnvelopeHeaders(headers);
    expect(d.isCloudEvent).toBe(false);
    expect(d.id).toBeUndefined();
    expect(d.problems.map((p) => p.header)).toEqual(
      expect.arrayContaining(['ce_id', 'ce_time', 'traceparent', 'ce_specversion']),
    );
  });

  it('treats a record without headers as a plain record, not an error', () => {
    expect(decodeEnvelopeHeaders([])).toEqual({ isCloudEvent: false, problems: [] });
  });
});

describe('traceparent', () => {
  it('parses valid and rejects malformed values', () => {
    expect(parseTraceparent(tp)).toMatchObject({ ok: true, value: { sampled: true } });
    expect(parseTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toMatchObject({
      ok: false,
    });
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toMatchObject({
      ok: false,
    });
    expect(parseTraceparent('00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01')).toMatchObject({
      ok: false,
    });
    expect(parseTraceparent('')).toMatchObject({ ok: false });
    expect(formatTraceparent({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) })).toBe(
      `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    );
  });
});
