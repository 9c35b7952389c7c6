// A minimal protobuf wire-format reader, enough for the OTLP trace messages. Every read is
// bounds-checked against the end of the message being read (not just the buffer), and every
// failure is a WireError whose message says what was wrong and where, because it goes back to the
// client in a 400. Nothing here allocates copies of the body: sub-messages are views.

export class WireError extends Error {
  override name = 'WireError';
}

export const WIRE = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'];
export const wireName = (w: number) => WIRE_NAMES[w] ?? `invalid (${w})`;

/** Groups are long deprecated, but skipping them is part of skipping "every wire type". */
const MAX_GROUP_DEPTH = 32;

export interface Field {
  readonly number: number;
  readonly wire: number;
}

export class WireReader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Next field's tag; null at the end of the message. */
  tag(): Field | null {
    if (this.pos >= this.end) return null;
    const at = this.pos;
    const t = this.varint();
    const number = Math.floor(t / 8);
    const wire = t % 8;
    if (number === 0) throw new WireError(`protobuf: field number 0 at byte ${at}`);
    if (number > 0x1fffffff)
      throw new WireError(`protobuf: field number ${number} out of range at byte ${at}`);
    if (wire > 5)
      throw new WireError(`protobuf: invalid wire type ${wire} for field ${number} at byte ${at}`);
    return { number, wire };
  }

  /** An unsigned varint that fits a double exactly (tags, lengths, enums, counts). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError(`protobuf: truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new WireError(`protobuf: varint longer than 10 bytes at byte ${this.pos - 10}`);
  }

  /** A varint read as a two's-complement int64 (AnyValue.int_value). */
  int64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError(`protobuf: truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new WireError(`protobuf: varint longer than 10 bytes at byte ${this.pos - 10}`);
  }

  private need(n: number, what: string) {
    if (this.end - this.pos < n)
      throw new WireError(
        `protobuf: ${what} needs ${n} bytes, only ${this.end - this.pos} remain at byte ${this.pos}`,
      );
  }

  fixed64(): bigint {
    this.need(8, 'fixed64');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8, 'double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  fixed32(): number {
    this.need(4, 'fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** The bounds [start, end) of a length-delimited field's payload, checked and consumed. */
  span(field: number): [number, number] {
    const len = this.varint();
    const remaining = this.end - this.pos;
    if (len > remaining)
      throw new WireError(`protobuf: field ${field} length ${len} exceeds remaining ${remaining} bytes`);
    const start = this.pos;
    this.pos += len;
    return [start, start + len];
  }

  bytes(field: number): Buffer {
    const [s, e] = this.span(field);
    return this.buf.subarray(s, e);
  }

  string(field: number): string {
    const [s, e] = this.span(field);
    return this.buf.toString('utf8', s, e);
  }

  /** A reader over a length-delimited sub-message. */
  sub(field: number): WireReader {
    const [s, e] = this.span(field);
    return new WireReader(this.buf, s, e);
  }

  /** Skips a field of any wire type, including (deprecated) groups. */
  skip(f: Field, depth = 0): void {
    switch (f.wire) {
      case WIRE.VARINT:
        this.varint();
        return;
      case WIRE.I64:
        this.need(8, `field ${f.number} fixed64`);
        this.pos += 8;
        return;
      case WIRE.LEN:
        this.span(f.number);
        return;
      case WIRE.I32:
        this.need(4, `field ${f.number} fixed32`);
        this.pos += 4;
        return;
      case WIRE.SGROUP: {
        if (depth >= MAX_GROUP_DEPTH)
          throw new WireError(`protobuf: groups nested deeper than ${MAX_GROUP_DEPTH}`);
        for (;;) {
          const inner = this.tag();
          if (!inner)
            throw new WireError(`protobuf: group ${f.number} not closed before the end of its message`);
          if (inner.wire === WIRE.EGROUP) {
            if (inner.number !== f.number)
              throw new WireError(`protobuf: group ${f.number} closed by end-group ${inner.number}`);
            return;
          }
          this.skip(inner, depth + 1);
        }
      }
      default:
        throw new WireError(`protobuf: unexpected end-group ${f.number} at byte ${this.pos}`);
    }
  }

  /** Checks a known field's wire type, so a mistyped field is reported instead of misread. */
  expect(f: Field, wire: number, name: string): void {
    if (f.wire !== wire)
      throw new WireError(
        `protobuf: field ${f.number} (${name}) has wire type ${wireName(f.wire)}, expected ${wireName(wire)}`,
      );
  }
}
