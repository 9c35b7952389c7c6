// Kafka headers are ordered (key, bytes) pairs and a key may repeat (Spring re-publishing appends
// its dlt headers again; the last occurrence is the current one). Causeway keeps them as an ordered
// list so nothing a producer wrote is lost or reordered, and reads them through these helpers.

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer;
}
export type RecordHeaders = readonly RecordHeader[];

type HeaderScalar = string | Buffer | Uint8Array | number | bigint | null | undefined;
export type HeaderInput = RecordHeaders | Record<string, HeaderScalar | HeaderScalar[]>;

/** A decode result that says what was wrong instead of throwing. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
const fail = <T>(error: string): Decoded<T> => ({ ok: false, error });

function scalarToBuffer(v: HeaderScalar): Buffer | undefined {
  if (v === null || v === undefined) return undefined;
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return Buffer.from(String(v), 'utf8');
}

/** Accepts an ordered list, or a kafkajs-style object (values may be arrays), and returns the list. */
export function normalizeHeaders(input: HeaderInput | undefined): RecordHeader[] {
  if (!input) return [];
  if (Array.isArray(input)) return (input as RecordHeaders).map((h) => ({ key: h.key, value: h.value }));
  const out: RecordHeader[] = [];
  for (const [key, raw] of Object.entries(input as Record<string, HeaderScalar | HeaderScalar[]>)) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      const value = scalarToBuffer(v);
      // A null header value has no bytes; Kafka allows it and we keep it as an empty buffer.
      out.push({ key, value: value ?? Buffer.alloc(0) });
    }
  }
  return out;
}

/** The last occurrence of `key` (the current one after Spring-style republishing). */
export function lastHeader(headers: RecordHeaders, key: string): Buffer | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    const h = headers[i]!;
    if (h.key === key) return h.value;
  }
  return undefined;
}

/** The first occurrence of `key` (Spring's non-blocking retries keep only the first original-*). */
export function firstHeader(headers: RecordHeaders, key: string): Buffer | undefined {
  return headers.find((h) => h.key === key)?.value;
}

export function allHeaders(headers: RecordHeaders, key: string): Buffer[] {
  return headers.filter((h) => h.key === key).map((h) => h.value);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8: invalid bytes are reported, not replaced. */
export function decodeUtf8(buf: Uint8Array): Decoded<string> {
  try {
    return ok(strictUtf8.decode(buf));
  } catch {
    return fail(`not valid UTF-8 (${buf.byteLength} bytes)`);
  }
}

export function headerString(headers: RecordHeaders, key: string): string | undefined {
  const v = lastHeader(headers, key);
  if (!v) return undefined;
  const d = decodeUtf8(v);
  return d.ok ? d.value : undefined;
}

export function encodeInt32BE(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function encodeInt64BE(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
}

/** A big-endian binary int as Spring writes them (4 bytes for int, 8 for long). */
export function decodeBinaryInt(buf: Uint8Array): Decoded<number> {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length === 4) return ok(b.readInt32BE(0));
  if (b.length === 8) {
    const v = b.readBigInt64BE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
      return fail('64-bit value out of the safe integer range');
    return ok(Number(v));
  }
  if (b.length === 2) return ok(b.readInt16BE(0));
  return fail(`expected a 2, 4 or 8 byte big-endian integer, got ${b.length} bytes`);
}

const DECIMAL = /^-?\d{1,16}$/;

/**
 * An integer header that may be binary (Spring) or decimal text (Kafka Connect, SmallRye). Binary
 * wins for 4/8-byte values unless every byte is an ASCII digit, which no binary int of that size
 * plausibly is.
 */
export function decodeFlexibleInt(buf: Uint8Array): Decoded<number> {
  const text = decodeUtf8(buf);
  if (text.ok && DECIMAL.test(text.value.trim())) return ok(Number(text.value.trim()));
  if (buf.byteLength === 4 || buf.byteLength === 8 || buf.byteLength === 2) return decodeBinaryInt(buf);
  return fail(`not an integer (${buf.byteLength} bytes)`);
}

/** Text for display: UTF-8 when valid, otherwise a hex rendering marked as such. */
export function displayHeaderValue(buf: Uint8Array): { text: string; encoding: 'utf8' | 'hex' } {
  const d = decodeUtf8(buf);
  if (d.ok) return { text: d.value, encoding: 'utf8' };
  return { text: Buffer.from(buf).toString('hex'), encoding: 'hex' };
}
