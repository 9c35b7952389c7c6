// The schema-registry wire format (Confluent's, which Apicurio, Karapace and Redpanda also write):
//   value = 0x00, schema id (int32 big-endian), [Protobuf: message-index list], payload
// or, from the newer serializers, the schema reference in a `__value_schema_id` / `__key_schema_id`
// header and the bare payload as the value. The header holds 0x00 + int32 id, or 0x01 + a 16-byte
// GUID, followed for Protobuf by the same message-index list.

export type SchemaRef =
  { readonly kind: 'id'; readonly id: number } | { readonly kind: 'guid'; readonly guid: string };

export interface Framed {
  readonly ref: SchemaRef;
  /** What follows the reference: for Protobuf the message-index list, then the payload. */
  readonly rest: Buffer;
  readonly source: 'prefix' | 'header';
}

export const SCHEMA_ID_HEADERS = { key: '__key_schema_id', value: '__value_schema_id' } as const;

const guidText = (b: Buffer) => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** A header's schema reference; the bytes after it (message indexes) are returned as `rest`. */
function refOfHeader(h: Buffer): { ref: SchemaRef; rest: Buffer } | null {
  if (h.length >= 5 && h[0] === 0) return { ref: { kind: 'id', id: h.readInt32BE(1) }, rest: h.subarray(5) };
  if (h.length >= 17 && h[0] === 1)
    return { ref: { kind: 'guid', guid: guidText(h.subarray(1, 17)) }, rest: h.subarray(17) };
  return null;
}

/**
 * The schema reference of a key or value, or null when it carries none. A value that merely starts
 * with 0x00 is not enough: the id must be positive (registries number from 1).
 */
export function unframe(bytes: Buffer, header: Buffer | undefined): Framed | null {
  if (header) {
    const h = refOfHeader(header);
    if (h)
      return { ref: h.ref, rest: h.rest.length ? Buffer.concat([h.rest, bytes]) : bytes, source: 'header' };
  }
  if (bytes.length >= 5 && bytes[0] === 0) {
    const id = bytes.readInt32BE(1);
    if (id > 0) return { ref: { kind: 'id', id }, rest: bytes.subarray(5), source: 'prefix' };
  }
  return null;
}

function readVarint(buf: Buffer, pos: number): { value: number; pos: number } {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('message-index list cut short');
    const b = buf[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) break;
    shift += 7;
    if (shift > 35) throw new Error('message-index varint too long');
  }
  // Zig-zag, as Confluent writes them.
  return { value: result % 2 === 0 ? result / 2 : -(result + 1) / 2, pos };
}

/**
 * Protobuf's message-index list: a count, then that many indexes (zig-zag varints); the single
 * byte 0 is the short form of [0], the first message of the file.
 */
export function readMessageIndexes(rest: Buffer): { indexes: number[]; payload: Buffer } {
  const first = readVarint(rest, 0);
  if (first.value === 0) return { indexes: [0], payload: rest.subarray(first.pos) };
  if (first.value < 0 || first.value > 64) throw new Error(`implausible message-index count ${first.value}`);
  const indexes: number[] = [];
  let pos = first.pos;
  for (let i = 0; i < first.value; i++) {
    const v = readVarint(rest, pos);
    if (v.value < 0) throw new Error(`negative message index ${v.value}`);
    indexes.push(v.value);
    pos = v.pos;
  }
  return { indexes, payload: rest.subarray(pos) };
}

const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);
function writeVarint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** The wire prefix for a schema id (tests and tools; the collector only reads). */
export function frame(id: number, payload: Buffer, messageIndexes?: readonly number[]): Buffer {
  const head = Buffer.alloc(5);
  head.writeInt32BE(id, 1);
  const idx = !messageIndexes
    ? []
    : messageIndexes.length === 1 && messageIndexes[0] === 0
      ? [0]
      : [
          ...writeVarint(zigzag(messageIndexes.length)),
          ...messageIndexes.flatMap((i) => writeVarint(zigzag(i))),
        ];
  return Buffer.concat([head, Buffer.from(idx), payload]);
}
