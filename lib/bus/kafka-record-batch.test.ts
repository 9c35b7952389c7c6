import { describe, expect, it } from 'vitest';
import { controlBatch, encodeBatch, type Codec, type TestRecord } from '../testing/kafka-batch-encoder.ts';
import { lz4Decompress, snappyDecompress } from './kafka-compression.ts';
import { rewriteFetchResponse } from './kafka-raw-socket.ts';
import { decodeRecordBatch, readBatchHeader, RecordBatchError } from './kafka-record-batch.ts';

// The production decode path (kafka-record-batch.ts, kafka-compression.ts, the Fetch rewrite of
// kafka-raw-socket.ts) against batches built by the test encoder: every codec, transactional and
// control batches, compression bombs. The integration tests run the same path against the broker.

const CODECS: Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const records: TestRecord[] = [
  {
    key: Buffer.from('order-1'),
    value: Buffer.from(JSON.stringify({ id: 1, note: 'x'.repeat(300) })),
    headers: [
      { key: 'ce_type', value: Buffer.from('OrderPlaced') },
      { key: 'bin', value: Buffer.from([0, 255, 1]) },
    ],
  },
  { key: null, value: null, timestampDelta: 5 },
  { key: Buffer.alloc(0), value: Buffer.alloc(20_000, 7), timestampDelta: 9 },
  { value: Buffer.from('last'), timestampDelta: 12, headers: [{ key: 'dup', value: Buffer.from('a') }] },
];

const view = (r: {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly { key: string; value: Buffer }[];
}) => ({
  offset: r.offset,
  timestamp: r.timestamp,
  key: r.key?.toString('hex') ?? null,
  value: r.value?.toString('hex') ?? null,
  headers: r.headers.map((h) => [h.key, h.value.toString('hex')]),
});

describe('Kafka record batches (format v2) decoded without a broker', () => {
  it.each(CODECS)('decodes every field of a %s batch', (codec) => {
    const batch = encodeBatch({ baseOffset: 100, baseTimestamp: 1_000, records, codec });
    const out = decodeRecordBatch(batch, 't', 2);
    expect(out.map(view)).toEqual(
      records.map((r, i) =>
        view({
          offset: 100 + i,
          timestamp: 1_000 + (r.timestampDelta ?? 0),
          key: r.key ?? null,
          value: r.value,
          headers: r.headers ?? [],
        }),
      ),
    );
    expect(out.every((r) => r.topic === 't' && r.partition === 2)).toBe(true);
  });

  it('starts at fromOffset, uses the log-append time when the batch says so, reads the header', () => {
    const batch = encodeBatch({
      baseOffset: 10,
      records,
      logAppendTime: true,
      maxTimestamp: 9_999,
      codec: 'lz4',
    });
    expect(decodeRecordBatch(batch, 't', 0, 12).map((r) => [r.offset, r.timestamp])).toEqual([
      [12, 9_999],
      [13, 9_999],
    ]);
    expect(decodeRecordBatch(batch, 't', 0, 14)).toEqual([]);
    const h = readBatchHeader(batch)!;
    expect([h.baseOffset, h.lastOffset, h.recordCount, h.size, h.control]).toEqual([
      10,
      13,
      4,
      batch.length,
      false,
    ]);
    expect(readBatchHeader(batch.subarray(0, batch.length - 1))).toBeNull();
  });

  it('reads transactional batches as data and control batches (markers) as no records', () => {
    const tx = encodeBatch({
      baseOffset: 0,
      records: records.slice(0, 2),
      transactional: true,
      producerId: 7n,
      codec: 'zstd',
    });
    const h = readBatchHeader(tx)!;
    expect([h.transactional, h.control, h.producerId]).toEqual([true, false, 7n]);
    expect(decodeRecordBatch(tx, 't', 0)).toHaveLength(2);
    const marker = controlBatch(2, 7n, true);
    expect(readBatchHeader(marker)!.control).toBe(true);
    expect(decodeRecordBatch(marker, 't', 0)).toEqual([]);
  });

  it('refuses what it cannot read with a RecordBatchError, never another error', () => {
    const good = encodeBatch({ records, codec: 'gzip' });
    const corrupt = Buffer.from(good);
    corrupt.fill(0xab, 70);
    expect(() => decodeRecordBatch(corrupt, 't', 0)).toThrow(RecordBatchError);
    const v1 = Buffer.from(encodeBatch({ records }));
    v1.writeInt8(1, 16);
    expect(() => decodeRecordBatch(v1, 't', 0)).toThrow(/format v1/);
    const codec7 = Buffer.from(encodeBatch({ records }));
    codec7.writeInt16BE(7, 21);
    expect(() => decodeRecordBatch(codec7, 't', 0)).toThrow(RecordBatchError);
  });
});

describe('compression bombs', () => {
  const limits = { maxBytes: 1024 * 1024, maxRecords: 1000 };
  const bomb: TestRecord[] = [{ value: Buffer.alloc(16 * 1024 * 1024) }];

  it.each(CODECS.filter((c) => c !== 'none'))('a %s batch expanding past the bound is refused', (codec) => {
    const batch = encodeBatch({ records: bomb, codec });
    expect(batch.length).toBeLessThan(1024 * 1024);
    expect(() => decodeRecordBatch(batch, 't', 0, 0, limits)).toThrow(
      new RegExp(`${codec}: expands past 1048576 bytes`),
    );
    // Under a bound it fits, the same batch decodes.
    expect(
      decodeRecordBatch(batch, 't', 0, 0, { maxBytes: 32 * 1024 * 1024, maxRecords: 10 })[0]!.value!.length,
    ).toBe(16 * 1024 * 1024);
  });

  it('a snappy block declaring a huge size is refused before any work', () => {
    // varint 2^31, then one literal byte: claims 2 GB.
    const block = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08, 0x00, 0x41]);
    expect(() => snappyDecompress(block, 1024)).toThrow(/expands past 1024 bytes/);
  });

  it('lz4 output is bounded while it grows', () => {
    const frame = encodeBatch({ records: bomb, codec: 'lz4' }).subarray(61);
    expect(() => lz4Decompress(frame, 4096)).toThrow(/expands past 4096 bytes/);
  });

  it('a batch of more records than the bound is refused', () => {
    const many = encodeBatch({
      records: Array.from({ length: 1001 }, () => ({ value: null })),
      codec: 'zstd',
    });
    expect(() => decodeRecordBatch(many, 't', 0, 0, limits)).toThrow(/1001 records, more than 1000/);
  });
});

describe('the Fetch v11 rewrite of the raw consumer', () => {
  /** A Fetch v11 response frame for one partition holding `set`. */
  function fetchFrame(set: Buffer): Buffer {
    const topic = Buffer.from('orders');
    const parts = [
      Buffer.from([0, 0, 0, 9]), // correlation id
      Buffer.alloc(4 + 2 + 4), // throttle, error, session
      Buffer.from([0, 0, 0, 1, 0, topic.length]),
      topic,
      Buffer.from([0, 0, 0, 1]), // partitions
      Buffer.alloc(4 + 2 + 24), // partition 0, no error, watermarks
      Buffer.from([0xff, 0xff, 0xff, 0xff]), // no aborted transactions
      Buffer.from([0xff, 0xff, 0xff, 0xff]), // preferred replica -1
    ];
    const size = Buffer.alloc(4);
    size.writeInt32BE(set.length);
    const body = Buffer.concat([...parts, size, set]);
    const len = Buffer.alloc(4);
    len.writeInt32BE(body.length);
    return Buffer.concat([len, body]);
  }

  it('wraps each data batch as one record whose value is the batch, and passes markers as they are', () => {
    const data = encodeBatch({
      baseOffset: 40,
      records,
      codec: 'snappy',
      transactional: true,
      producerId: 3n,
    });
    const marker = controlBatch(44, 3n, false);
    const partial = encodeBatch({ baseOffset: 45, records }).subarray(0, 80);
    const marked = Buffer.alloc(16, 0x5a);
    const out = rewriteFetchResponse(fetchFrame(Buffer.concat([data, marker, partial])), marked);
    expect(out.readInt32BE(0)).toBe(out.length - 4);
    // The record set is the last field, its size just before it.
    const body = out.subarray(4);
    const setSize = body.readInt32BE(4 + 4 + 2 + 4 + 4 + 2 + 6 + 4 + 4 + 2 + 24 + 4 + 4);
    const set = body.subarray(body.length - setSize);
    const wrapper = readBatchHeader(set)!;
    expect([
      wrapper.baseOffset,
      wrapper.lastOffset,
      wrapper.recordCount,
      wrapper.transactional,
      wrapper.producerId,
    ]).toEqual([40, 43, 1, true, 3n]);
    expect(wrapper.attributes & 7).toBe(0);
    const [inner] = decodeRecordBatch(set.subarray(0, wrapper.size), 'orders', 0);
    expect(inner!.offset).toBe(43);
    expect(inner!.key).toEqual(marked);
    expect(inner!.value).toEqual(data);
    expect(set.subarray(wrapper.size)).toEqual(marker);
  });
});
