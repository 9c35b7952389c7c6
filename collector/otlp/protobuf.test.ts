import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOtlpRequest, type DecodeOtlpResult } from './index.ts';

// The protobuf decoder on hand-built messages: every wire type skipped where unknown, fields in
// any order, and every way a body can be broken answered with a 400 that says why — never a throw.

const varint = (v: number | bigint): Buffer => {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    out.push(n ? b | 0x80 : b);
  } while (n);
  return Buffer.from(out);
};
const tag = (field: number, wire: number) => varint(field * 8 + wire);
const len = (field: number, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([tag(field, 2), varint(body.length), body]);
};
const str = (field: number, s: string) => len(field, Buffer.from(s));
const int = (field: number, v: number | bigint) => Buffer.concat([tag(field, 0), varint(v)]);
const fixed64 = (field: number, v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return Buffer.concat([tag(field, 1), b]);
};
const double = (field: number, v: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([tag(field, 1), b]);
};
const fixed32 = (field: number, v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return Buffer.concat([tag(field, 5), b]);
};
/** One unknown field of each wire type, a group with something inside included. */
const unknownFields = () =>
  Buffer.concat([
    int(90, 300),
    fixed64(91, 7n),
    str(92, 'extra'),
    fixed32(93, 9),
    tag(94, 3),
    int(1, 5),
    str(2, 'in-group'),
    tag(94, 4),
  ]);

const TRACE = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const SPAN = Buffer.from('eee19b7ec3c1b174', 'hex');
const PARENT = Buffer.from('eee19b7ec3c1b173', 'hex');
const attr = (key: string, value: Buffer) => len(9, str(1, key), len(2, value));
const resource = (service: string) =>
  len(1, len(1, str(1, 'service.name'), len(2, str(1, service))), unknownFields());

/** Span.Event: 1 time_unix_nano, 2 name, 3 attributes (KeyValue), with unknown fields around. */
const attr3 = (key: string, value: Buffer) => len(3, str(1, key), len(2, value));
const event = (name: string, timeNs: bigint, ...attrs: Buffer[]) =>
  len(11, unknownFields(), str(2, name), fixed64(1, timeNs), ...attrs);

function span(extra: Buffer[] = []) {
  return len(
    2,
    unknownFields(),
    len(1, TRACE),
    len(2, SPAN),
    str(3, 'tracestate=ignored'),
    len(4, PARENT),
    str(5, 'process payments'),
    int(6, 5),
    fixed64(7, 1_700_000_000_123_456_789n),
    fixed64(8, 1_700_000_000_223_456_789n),
    attr('s', str(1, 'text')),
    attr('b', int(2, 1)),
    attr('i', int(3, -42)),
    attr('d', double(4, 2.5)),
    attr('arr', len(5, len(1, str(1, 'x')), len(1, int(3, 7)), len(1, len(5, len(1, int(2, 0)))))),
    attr(
      'kv',
      len(6, len(1, str(1, 'k'), len(2, str(1, 'v'))), len(1, str(1, '__proto__'), len(2, int(3, 1)))),
    ),
    attr('raw', len(7, Buffer.from([0xde, 0xad]))),
    attr('__proto__', str(1, 'still an attribute')),
    len(13, len(1, TRACE), len(2, PARENT), str(3, 'state'), unknownFields()),
    len(15, str(2, 'card declined'), int(3, 2), unknownFields()),
    event('retry', 1_700_000_000_150_000_500n, attr3('attempt', int(3, 2))),
    ...extra,
  );
}

const request = (...resourceSpans: Buffer[]) => Buffer.concat(resourceSpans.map((rs) => len(1, rs)));
const decode = (
  body: Buffer,
  contentType = 'application/x-protobuf',
  contentEncoding?: string,
): DecodeOtlpResult => decodeOtlpRequest({ body, contentType, contentEncoding });

describe('OTLP protobuf wire decoding', () => {
  it('reads every kept field and skips unknown fields of every wire type at every level', () => {
    // Resource after the spans, unknown fields everywhere, a second scope with no spans.
    const body = Buffer.concat([
      unknownFields(),
      request(
        Buffer.concat([
          len(2, unknownFields(), span()),
          len(2, str(3, 'url')),
          resource('payments'),
          unknownFields(),
        ]),
      ),
    ]);
    const r = decode(body);
    expect(r).toEqual({
      ok: true,
      rejectedSpans: 0,
      spans: [
        {
          traceId: TRACE.toString('hex'),
          spanId: SPAN.toString('hex'),
          parentSpanId: PARENT.toString('hex'),
          name: 'process payments',
          kind: 'consumer',
          service: 'payments',
          startMs: 1_700_000_000_123.456,
          endMs: 1_700_000_000_223.456,
          status: 'error',
          attributes: {
            s: 'text',
            b: true,
            i: -42,
            d: 2.5,
            arr: '["x",7,[false]]',
            kv: '{"k":"v","__proto__":1}',
            raw: '3q0=',
            ['__proto__']: 'still an attribute',
            'otel.status_description': 'card declined',
          },
          links: [{ traceId: TRACE.toString('hex'), spanId: PARENT.toString('hex') }],
          events: [{ name: 'retry', timeMs: 1_700_000_000_150, attributes: { attempt: 2 } }],
          resource: { 'service.name': 'payments' },
          recordId: null,
        },
      ],
    });
  });

  it('keeps the first 128 events of a span and skips the rest', () => {
    const events = Array.from({ length: 300 }, (_, i) => event(`e${i}`, BigInt(i) * 1_000_000n));
    const r = decode(request(len(2, span(events))));
    if (!r.ok) throw new Error(r.message);
    const kept = r.spans[0]!.events;
    // The span itself carries one event ('retry') before these.
    expect(kept).toHaveLength(128);
    expect(kept[0]!.name).toBe('retry');
    expect(kept[127]).toEqual({ name: 'e126', timeMs: 126, attributes: {} });
  });

  it('counts spans with a missing or wrong-sized id as rejected', () => {
    const noTrace = len(2, len(2, SPAN), str(5, 'a'));
    const shortSpan = len(2, len(1, TRACE), len(2, SPAN.subarray(0, 4)), str(5, 'b'));
    const r = decode(request(Buffer.concat([len(2, noTrace, shortSpan, span())])));
    expect(r.ok && [r.spans.length, r.rejectedSpans, r.spans[0]!.service]).toEqual([1, 2, 'unknown_service']);
  });

  it('says which field and how many bytes when a length overruns its message', () => {
    const body = Buffer.concat([tag(1, 2), varint(15), tag(2, 2), varint(5000), Buffer.alloc(12)]);
    expect(decode(body)).toEqual({
      ok: false,
      status: 400,
      message: 'protobuf: field 2 length 5000 exceeds remaining 12 bytes',
    });
  });

  it('refuses a known field with the wrong wire type, invalid wire types, field 0, overlong varints', () => {
    const cases: [Buffer, RegExp][] = [
      [
        request(len(2, len(2, int(5, 3)))),
        /field 5 \(name\) has wire type varint, expected length-delimited/,
      ],
      [
        request(len(2, len(2, len(7, Buffer.alloc(8))))),
        /field 7 \(start_time_unix_nano\) has wire type length-delimited, expected fixed64/,
      ],
      [Buffer.from([0x0e]), /invalid wire type 6 for field 1/],
      [Buffer.from([0x02, 0x00]), /field number 0/],
      [Buffer.concat([tag(90, 0), Buffer.alloc(11, 0xff)]), /varint longer than 10 bytes/],
      [Buffer.concat([tag(80, 3), int(2, 1)]), /group 80 not closed/],
      [Buffer.concat([tag(80, 3), tag(81, 4)]), /group 80 closed by end-group 81/],
      [tag(3, 4), /unexpected end-group 3/],
      [request(len(2, span([len(9, str(1, 'n'), len(2, str(1, 'x').subarray(0, 2)))]))), /protobuf: /],
    ];
    for (const [body, message] of cases) {
      const r = decode(body);
      expect(r).toMatchObject({ ok: false, status: 400 });
      if (!r.ok) expect(r.message).toMatch(message);
    }
  });

  it('refuses attribute values nested without end', () => {
    let v = str(1, 'leaf');
    for (let i = 0; i < 40; i++) v = len(5, len(1, v));
    const r = decode(request(len(2, span([len(9, str(1, 'deep'), len(2, v))]))));
    expect(r).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringContaining('nested deeper') as string,
    });
  });

  it('takes int64 attributes at their full range, as the nearest double', () => {
    const r = decode(
      request(len(2, span([attr('max', int(3, 2n ** 63n - 1n)), attr('min', int(3, -(2n ** 63n)))]))),
    );
    expect(r.ok && r.spans[0]!.attributes).toMatchObject({ max: 2 ** 63, min: -(2 ** 63) });
  });

  it('never throws on random bytes: always a decode or a 400', () => {
    const outcome = (r: DecodeOtlpResult) => r.ok || r.status === 400;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const body = Buffer.from(bytes);
        return (
          outcome(decode(body)) &&
          outcome(decode(body, 'application/json')) &&
          outcome(decode(body, 'application/x-protobuf', 'gzip')) &&
          outcome(decode(gzipSync(body), 'application/x-protobuf', 'gzip'))
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on a real message with bytes flipped, cut or inserted: always a decode or a 400', () => {
    const valid = request(Buffer.concat([resource('svc'), len(2, span(), span())]));
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat(valid.length - 1),
            fc.integer({ min: 0, max: 255 }),
            fc.constantFrom('set', 'cut', 'insert'),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (edits) => {
          let body = Buffer.from(valid);
          for (const [at, byte, op] of edits) {
            const i = Math.min(at, body.length);
            if (op === 'set' && i < body.length) body[i] = byte;
            else if (op === 'cut') body = body.subarray(0, i);
            else body = Buffer.concat([body.subarray(0, i), Buffer.from([byte]), body.subarray(i)]);
          }
          const r = decode(body);
          return r.ok ? r.spans.length + r.rejectedSpans <= 50_000 : r.status === 400;
        },
      ),
      { numRuns: 3000 },
    );
  });
});
