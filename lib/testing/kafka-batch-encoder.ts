import { gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';

// A Kafka record batch encoder for tests only (the production code only ever decodes): it builds
// batches of format v2 the way a producer would, with every codec, so the collector's decode path
// (lib/bus/kafka-record-batch.ts) is covered without a broker, and fault tests can hand kafkajs a
// snappy / lz4 / zstd compressor (it ships none) to put compression bombs on a real broker.
// The compressors are deliberately simple (literals, plus runs of one repeated byte as
// back-references), written from the formats' specifications: enough for real data to round-trip
// and for a run of zeros to shrink several hundred times.

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
const CODEC_IDS: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export interface TestRecord {
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly { key: string; value: Buffer }[];
  readonly timestampDelta?: number;
  /** Defaults to the record's index. */
  readonly offsetDelta?: number;
}

export interface TestBatch {
  readonly baseOffset?: number;
  readonly baseTimestamp?: number;
  readonly records: readonly TestRecord[];
  readonly codec?: Codec;
  readonly transactional?: boolean;
  readonly control?: boolean;
  readonly logAppendTime?: boolean;
  readonly maxTimestamp?: number;
  readonly producerId?: bigint;
}

/** Zigzag varint / varlong bytes. */
export function zigzag(n: number): Buffer {
  let z = n >= 0 ? 2 * n : -2 * n - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}

const bytesField = (b: Buffer | null | undefined) => (b ? [zigzag(b.length), b] : [zigzag(-1)]);

function encodeRecord(r: TestRecord, index: number): Buffer {
  const headers = r.headers ?? [];
  const body = Buffer.concat([
    Buffer.from([0]),
    zigzag(r.timestampDelta ?? 0),
    zigzag(r.offsetDelta ?? index),
    ...bytesField(r.key),
    ...bytesField(r.value),
    zigzag(headers.length),
    ...headers.flatMap((h) => [...bytesField(Buffer.from(h.key, 'utf8')), ...bytesField(h.value)]),
  ]);
  return Buffer.concat([zigzag(body.length), body]);
}

export function compress(codec: Codec, data: Buffer): Buffer {
  switch (codec) {
    case 'none':
      return data;
    case 'gzip':
      return gzipSync(data);
    case 'snappy':
      return snappyXerial(data);
    case 'lz4':
      return lz4Frame(data);
    case 'zstd':
      return zlib.zstdCompressSync(data);
  }
}

export function encodeBatch(b: TestBatch): Buffer {
  const codec = b.codec ?? 'none';
  const section = compress(codec, Buffer.concat(b.records.map((r, i) => encodeRecord(r, i))));
  const lastOffsetDelta = Math.max(0, ...b.records.map((r, i) => r.offsetDelta ?? i));
  const baseTimestamp = b.baseTimestamp ?? 1_700_000_000_000;
  const h = Buffer.alloc(61);
  h.writeBigInt64BE(BigInt(b.baseOffset ?? 0), 0);
  h.writeInt32BE(61 - 12 + section.length, 8);
  h.writeInt32BE(0, 12); // partition leader epoch
  h.writeInt8(2, 16);
  h.writeUInt32BE(0, 17); // crc: not checked by the collector (the broker checked it)
  const attributes =
    CODEC_IDS[codec] | (b.logAppendTime ? 0x8 : 0) | (b.transactional ? 0x10 : 0) | (b.control ? 0x20 : 0);
  h.writeInt16BE(attributes, 21);
  h.writeInt32BE(lastOffsetDelta, 23);
  h.writeBigInt64BE(BigInt(baseTimestamp), 27);
  const maxDelta = Math.max(0, ...b.records.map((r) => r.timestampDelta ?? 0));
  h.writeBigInt64BE(BigInt(b.maxTimestamp ?? baseTimestamp + maxDelta), 35);
  h.writeBigInt64BE(b.producerId ?? -1n, 43);
  h.writeInt16BE(-1, 51);
  h.writeInt32BE(-1, 53);
  h.writeInt32BE(b.records.length, 57);
  return Buffer.concat([h, section]);
}

/** A transaction marker: the one record of a control batch (type 0 abort, 1 commit). */
export function controlBatch(baseOffset: number, producerId: bigint, commit: boolean): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(commit ? 1 : 0, 2);
  const value = Buffer.alloc(6);
  return encodeBatch({
    baseOffset,
    producerId,
    transactional: true,
    control: true,
    records: [{ key, value }],
  });
}

/** How many bytes from `at` repeat the byte before `at` (at most `limit`). */
function runLength(src: Uint8Array, at: number, limit: number): number {
  if (at === 0) return 0;
  const b = src[at - 1];
  let n = 0;
  while (at + n < limit && src[at + n] === b) n++;
  return n;
}

/** One snappy block: the length, then literals and copies (offset 1) for runs. */
export function snappyBlock(src: Buffer): Buffer {
  const out: Buffer[] = [];
  const len: number[] = [];
  for (let n = src.length; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      len.push(n);
      break;
    }
    len.push((n % 128) | 0x80);
  }
  out.push(Buffer.from(len));
  let litFrom = 0;
  const flush = (to: number) => {
    for (let at = litFrom; at < to;) {
      const n = Math.min(to - at, 65536);
      // Up to 60 bytes: the length in the tag; longer: tag 62 says three length bytes follow.
      const tag = n <= 60 ? Buffer.from([(n - 1) << 2]) : Buffer.from([62 << 2, 0, 0, 0]);
      if (n > 60) tag.writeUIntLE(n - 1, 1, 3);
      out.push(tag, src.subarray(at, at + n));
      at += n;
    }
  };
  for (let i = 0; i < src.length;) {
    const run = runLength(src, i, src.length);
    if (run < 4) {
      i++;
      continue;
    }
    flush(i);
    for (let left = run; left > 0;) {
      const n = Math.min(64, left);
      out.push(Buffer.from([((n - 1) << 2) | 2, 1, 0]));
      left -= n;
    }
    i += run;
    litFrom = i;
  }
  flush(src.length);
  return Buffer.concat(out);
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);

/** Snappy in the xerial framing the Java client writes: blocks of up to 1 MB. */
export function snappyXerial(src: Buffer): Buffer {
  const parts: Buffer[] = [XERIAL_MAGIC];
  for (let at = 0; at < src.length; at += 1 << 20) {
    const block = snappyBlock(src.subarray(at, at + (1 << 20)));
    const n = Buffer.alloc(4);
    n.writeUInt32BE(block.length);
    parts.push(n, block);
  }
  return Buffer.concat(parts);
}

/** xxHash32 of a few bytes (the lz4 frame header checksum), seed 0. */
function xxh32Small(data: Buffer): number {
  const P1 = 2654435761;
  const P2 = 2246822519;
  const P3 = 3266489917;
  const P5 = 374761393;
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  let h = (P5 + data.length) >>> 0;
  for (const b of data) h = Math.imul(rotl((h + Math.imul(b, P5)) >>> 0, 11), P1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function lz4Length(n: number, out: number[]): void {
  for (; n >= 255; n -= 255) out.push(255);
  out.push(n);
}

/** One lz4 block: runs as matches at offset 1, the last 12 bytes always literals (the spec's rule). */
function lz4Block(src: Buffer): Buffer {
  const out: Buffer[] = [];
  const limit = src.length - 12;
  let litFrom = 0;
  const sequence = (litTo: number, match: number) => {
    const lit = litTo - litFrom;
    const bytes: number[] = [(Math.min(lit, 15) << 4) | (match ? Math.min(match - 4, 15) : 0)];
    if (lit >= 15) lz4Length(lit - 15, bytes);
    out.push(Buffer.from(bytes), src.subarray(litFrom, litTo));
    if (!match) return;
    const tail = [1, 0];
    if (match - 4 >= 15) lz4Length(match - 4 - 15, tail);
    out.push(Buffer.from(tail));
  };
  for (let i = 0; i < limit;) {
    const run = runLength(src, i, limit);
    if (run < 4) {
      i++;
      continue;
    }
    sequence(i, run);
    i += run;
    litFrom = i;
  }
  sequence(src.length, 0);
  return Buffer.concat(out);
}

/** The lz4 frame format: independent blocks of up to 4 MB, no checksums but the header's. */
export function lz4Frame(src: Buffer): Buffer {
  const descriptor = Buffer.from([0x60, 0x70]);
  const parts: Buffer[] = [
    Buffer.from([0x04, 0x22, 0x4d, 0x18]),
    descriptor,
    Buffer.from([(xxh32Small(descriptor) >>> 8) & 0xff]),
  ];
  for (let at = 0; at < src.length; at += 4 << 20) {
    const block = lz4Block(src.subarray(at, at + (4 << 20)));
    const n = Buffer.alloc(4);
    n.writeUInt32LE(block.length);
    parts.push(n, block);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}
