import { describe, expect, it } from 'vitest';
import {
  decodeHexInt,
  groupHeaders,
  headerDisplay,
  headerGroup,
  hexDump,
  parseTraceparentText,
  payloadView,
} from './decode-record.ts';

const h = (key: string, value: string, encoding: 'utf8' | 'hex' = 'utf8') => ({
  key,
  value,
  encoding,
  size: encoding === 'hex' ? value.length / 2 : value.length,
});

describe('header groups', () => {
  it('sorts headers into CloudEvents, trace, dead-letter, replay and other', () => {
    expect(headerGroup('ce_type')).toBe('cloudevents');
    expect(headerGroup('content-type')).toBe('cloudevents');
    expect(headerGroup('traceparent')).toBe('trace');
    expect(headerGroup('kafka_dlt-original-topic')).toBe('dlq');
    expect(headerGroup('__connect.errors.topic')).toBe('dlq');
    expect(headerGroup('dead-letter-reason')).toBe('dlq');
    expect(headerGroup('x-causeway-replay-id')).toBe('replay');
    expect(headerGroup('x-tenant')).toBe('other');
  });

  it('keeps repeated headers and their order', () => {
    const groups = groupHeaders([h('x', '1'), h('ce_id', 'a'), h('x', '2')]);
    expect(groups.map((g) => g.group)).toEqual(['cloudevents', 'other']);
    expect(groups[1]!.headers.map((x) => x.value)).toEqual(['1', '2']);
  });
});

describe('binary header values', () => {
  it("decodes Spring's big-endian ints", () => {
    expect(decodeHexInt('00000007')).toBe(7);
    expect(decodeHexInt('0000000000000067')).toBe(103);
    expect(decodeHexInt('ffffffff')).toBe(-1);
    expect(decodeHexInt('abc')).toBeNull();
    expect(headerDisplay(h('kafka_dlt-original-partition', '00000002', 'hex'))).toEqual({
      text: '2',
      note: '4-byte big-endian integer',
    });
    expect(headerDisplay(h('blob', 'deadbeefca', 'hex')).note).toMatch(/binary, 5 bytes/);
    // Four NUL bytes are valid UTF-8, but they are partition 0, not text.
    expect(headerDisplay(h('kafka_dlt-original-partition', '\u0000\u0000\u0000\u0000'))).toEqual({
      text: '0',
      note: '4-byte big-endian integer',
    });
    expect(headerDisplay(h('odd', 'a\u0001b'))).toEqual({ text: '610162', note: 'binary, 3 bytes (hex)' });
    expect(headerDisplay(h('multi-line', 'a\nb'))).toEqual({ text: 'a\nb', note: null });
  });
});

describe('parseTraceparentText', () => {
  it('reads a valid traceparent and rejects broken ones', () => {
    expect(parseTraceparentText('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      version: '00',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(parseTraceparentText('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeNull();
    expect(parseTraceparentText('garbage')).toBeNull();
  });
});

describe('payloadView', () => {
  const base = { valueText: null, valueBase64: null, valueSize: 0 };
  it('pretty-prints JSON and keeps markup as plain text', () => {
    const v = payloadView({ ...base, valueKind: 'json', valueText: '{"a":"<img src=x onerror=alert(1)>"}' });
    expect(v).toEqual({ kind: 'json', text: '{\n  "a": "<img src=x onerror=alert(1)>"\n}' });
  });
  it('shows truncated JSON as text rather than failing', () => {
    expect(payloadView({ ...base, valueKind: 'json', valueText: '{"a":' })).toEqual({
      kind: 'text',
      text: '{"a":',
    });
  });
  it('shows tombstones and binary for what they are', () => {
    expect(payloadView({ ...base, valueKind: 'tombstone' })).toEqual({ kind: 'tombstone' });
    const bin = payloadView({
      ...base,
      valueKind: 'binary',
      valueBase64: Buffer.from([0, 1, 0x41, 0xff]).toString('base64'),
      valueSize: 4,
    });
    expect(bin.kind).toBe('binary');
    if (bin.kind === 'binary') expect(bin.hex).toBe(`00000000  ${'00 01 41 ff'.padEnd(47)}  ..A.`);
  });
  it('hex-dumps at most the limit and says how much is left', () => {
    expect(hexDump(new Uint8Array(40), 16).split('\n')).toEqual([
      '00000000  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................',
      '… 24 more bytes',
    ]);
  });
});
