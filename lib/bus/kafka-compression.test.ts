import { describe, expect, it } from 'vitest';
import { DecompressionError, lz4Decompress, snappyDecompress } from './kafka-compression.ts';

// Hand-assembled inputs; kafka-raw.int.test.ts checks both codecs on what the Java client writes.
const hello = Buffer.from('hello ');
// "hello " as a literal, then 11 bytes copied from 6 back (overlapping itself).
const snappyBlock = Buffer.concat([
  Buffer.from([17, (6 - 1) << 2]),
  hello,
  Buffer.from([((11 - 4) << 2) | 1, 6]),
]);
const lz4Frame = (blocks: Buffer[]) =>
  Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]), ...blocks, Buffer.alloc(4)]);
const sized = (b: Buffer, stored = false) => {
  const n = Buffer.alloc(4);
  n.writeUInt32LE((b.length | (stored ? 0x80000000 : 0)) >>> 0);
  return Buffer.concat([n, b]);
};

describe('Kafka compression codecs', () => {
  it('reads snappy blocks, bare and in the Java client framing', () => {
    expect(snappyDecompress(snappyBlock).toString()).toBe('hello hello hello');
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(snappyBlock.length);
    const framed = Buffer.concat([header, len, snappyBlock, len, snappyBlock]);
    expect(snappyDecompress(framed).toString()).toBe('hello hello hellohello hello hello');
  });

  it('reads lz4 frames with compressed and stored blocks', () => {
    const block = Buffer.concat([Buffer.from([(6 << 4) | (11 - 4)]), hello, Buffer.from([6, 0])]);
    expect(lz4Decompress(lz4Frame([sized(block), sized(Buffer.from('!'), true)])).toString()).toBe(
      'hello hello hello!',
    );
  });

  it('refuses what is cut short or points outside the data, with a DecompressionError', () => {
    expect(() => snappyDecompress(snappyBlock.subarray(0, 5))).toThrow(DecompressionError);
    expect(() => snappyDecompress(Buffer.from([4, ((4 - 4) << 2) | 1, 9]))).toThrow(DecompressionError);
    expect(() => lz4Decompress(Buffer.from('not lz4 at all'))).toThrow(DecompressionError);
    expect(() => lz4Decompress(lz4Frame([sized(Buffer.from([0x0f, 1, 2]))]))).toThrow(DecompressionError);
  });
});
