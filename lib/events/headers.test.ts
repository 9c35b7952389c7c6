import { describe, expect, it } from 'vitest';
import {
  decodeBinaryInt,
  decodeFlexibleInt,
  decodeUtf8,
  displayHeaderValue,
  encodeInt32BE,
  encodeInt64BE,
  firstHeader,
  lastHeader,
  normalizeHeaders,
} from './headers.ts';

describe('header codecs', () => {
  it('normalizes kafkajs-style objects, arrays and nulls into an ordered list', () => {
    const h = normalizeHeaders({ a: 'x', b: [Buffer.from('1'), '2'], c: null, n: 7 });
    expect(h.map((x) => [x.key, x.value.toString()])).toEqual([
      ['a', 'x'],
      ['b', '1'],
      ['b', '2'],
      ['c', ''],
      ['n', '7'],
    ]);
  });

  it('reads the last occurrence as current and the first when asked', () => {
    const h = normalizeHeaders([
      { key: 'k', value: Buffer.from('old') },
      { key: 'k', value: Buffer.from('new') },
    ]);
    expect(lastHeader(h, 'k')?.toString()).toBe('new');
    expect(firstHeader(h, 'k')?.toString()).toBe('old');
    expect(lastHeader(h, 'missing')).toBeUndefined();
  });

  it('reports invalid UTF-8 instead of replacing it', () => {
    const bad = decodeUtf8(Buffer.from([0xc3, 0x28]));
    expect(bad).toEqual({ ok: false, error: 'not valid UTF-8 (2 bytes)' });
    expect(decodeUtf8(Buffer.from('héllo'))).toEqual({ ok: true, value: 'héllo' });
    expect(displayHeaderValue(Buffer.from([0xff, 0x00]))).toEqual({ text: 'ff00', encoding: 'hex' });
  });

  it('decodes Spring binary big-endian ints and rejects odd sizes', () => {
    expect(decodeBinaryInt(encodeInt32BE(-5))).toEqual({ ok: true, value: -5 });
    expect(decodeBinaryInt(encodeInt64BE(1_700_000_000_123))).toEqual({ ok: true, value: 1_700_000_000_123 });
    expect(decodeBinaryInt(Buffer.from([1, 2, 3]))).toMatchObject({ ok: false });
    expect(decodeBinaryInt(encodeInt64BE(2n ** 62n))).toEqual({
      ok: false,
      error: '64-bit value out of the safe integer range',
    });
  });

  it('reads ints written as decimal text (Kafka Connect) or binary (Spring)', () => {
    expect(decodeFlexibleInt(Buffer.from('42'))).toEqual({ ok: true, value: 42 });
    expect(decodeFlexibleInt(encodeInt32BE(3))).toEqual({ ok: true, value: 3 });
    expect(decodeFlexibleInt(Buffer.from('forty'))).toMatchObject({ ok: false });
  });
});
