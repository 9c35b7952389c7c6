// Decompressors for the two codecs of Kafka record batches that Node.js does not ship: snappy and
// lz4 (gzip and zstd come from node:zlib). Written from the formats' specifications:
//  - snappy: the block format (a varint length, then literals and back-references), inside the
//    "xerial" framing the Java client writes (an 8-byte magic, two version ints, then blocks each
//    prefixed by its big-endian length); unframed data is read as one block.
//  - lz4: the frame format (magic 0x184D2204, a frame descriptor, blocks prefixed by their
//    little-endian size, high bit = stored uncompressed, a zero size ends the frame), each block in
//    the lz4 block format (tokens of literal and match lengths, 2-byte match offsets).
// Checksums are not verified: the broker already validated each batch's CRC.
// Both take a bound on the output (`maxBytes`): a batch that would expand past it (a compression
// bomb: a few KB of back-references standing for gigabytes) is refused before the memory is taken.

export class DecompressionError extends Error {
  override readonly name = 'DecompressionError';
}

/** A growable output buffer; back-references read what was written before. */
class Output {
  buf: Buffer;
  length = 0;
  readonly max: number;

  constructor(capacity: number, max: number) {
    this.max = max;
    this.buf = Buffer.allocUnsafe(Math.max(64, Math.min(capacity, max)));
  }

  private reserve(n: number) {
    if (this.length + n <= this.buf.length) return;
    if (this.length + n > this.max) throw new DecompressionError(`expands past ${this.max} bytes`);
    const next = Buffer.allocUnsafe(Math.min(this.max, Math.max(this.buf.length * 2, this.length + n)));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  append(src: Buffer, from: number, to: number) {
    if (from < 0 || to > src.length || from > to)
      throw new DecompressionError('a literal runs past the input');
    this.reserve(to - from);
    this.length += src.copy(this.buf, this.length, from, to);
  }

  /** Copies `len` bytes starting `offset` back; they may overlap what this copy writes. */
  backref(offset: number, len: number) {
    if (offset <= 0 || offset > this.length)
      throw new DecompressionError('a back-reference points before the start');
    this.reserve(len);
    const b = this.buf;
    let at = this.length;
    let from = at - offset;
    if (offset >= len) b.copy(b, at, from, from + len);
    else for (let i = 0; i < len; i++) b[at++] = b[from++]!;
    this.length += len;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

const SNAPPY_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/** One snappy block (`src[from, to)`) appended to `out`. */
function snappyBlock(src: Buffer, from: number, to: number, out: Output): void {
  let at = from;
  // The uncompressed length, a little-endian base-128 varint: only a size hint here.
  let expected = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= to || shift > 28) throw new DecompressionError('a snappy block has no length');
    const b = src[at++]!;
    expected += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  const end = out.length + expected;
  // The declared size is checked first: no work at all for a block that says it is a bomb.
  if (end > out.max) throw new DecompressionError(`expands past ${out.max} bytes`);
  while (at < to) {
    const tag = src[at++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = (tag >> 2) + 1;
      if (len > 60) {
        const bytes = len - 60;
        if (at + bytes > to) throw new DecompressionError('a snappy literal length is cut short');
        len = src.readUIntLE(at, bytes) + 1;
        at += bytes;
      }
      out.append(src, at, at + len);
      at += len;
    } else if (kind === 1) {
      if (at >= to) throw new DecompressionError('a snappy copy is cut short');
      out.backref(((tag >> 5) << 8) | src[at++]!, ((tag >> 2) & 7) + 4);
    } else {
      const bytes = kind === 2 ? 2 : 4;
      if (at + bytes > to) throw new DecompressionError('a snappy copy is cut short');
      out.backref(src.readUIntLE(at, bytes), (tag >> 2) + 1);
      at += bytes;
    }
  }
  if (out.length !== end) throw new DecompressionError('a snappy block is not the length it says');
}

/** No bound given: the largest Buffer Node.js allocates. */
const UNBOUNDED = 2 ** 31 - 1;

export function snappyDecompress(src: Buffer, maxBytes = UNBOUNDED): Buffer {
  const out = new Output(src.length * 3, maxBytes);
  if (src.length >= 16 && src.subarray(0, 8).equals(SNAPPY_MAGIC)) {
    for (let at = 16; at < src.length;) {
      if (at + 4 > src.length) throw new DecompressionError('a snappy frame is cut short');
      const len = src.readUInt32BE(at);
      at += 4;
      if (at + len > src.length) throw new DecompressionError('a snappy frame is cut short');
      snappyBlock(src, at, at + len, out);
      at += len;
    }
  } else snappyBlock(src, 0, src.length, out);
  return out.result();
}

/** One lz4 block (`src[from, to)`) appended to `out`. */
function lz4Block(src: Buffer, from: number, to: number, out: Output): void {
  let at = from;
  const length = (n: number) => {
    if (n !== 15) return n;
    for (;;) {
      if (at >= to) throw new DecompressionError('an lz4 length is cut short');
      const b = src[at++]!;
      n += b;
      if (b !== 255) return n;
    }
  };
  while (at < to) {
    const token = src[at++]!;
    const literals = length(token >> 4);
    out.append(src, at, at + literals);
    at += literals;
    // The last sequence has literals only.
    if (at >= to) break;
    if (at + 2 > to) throw new DecompressionError('an lz4 match offset is cut short');
    const offset = src.readUInt16LE(at);
    at += 2;
    out.backref(offset, length(token & 15) + 4);
  }
}

export function lz4Decompress(src: Buffer, maxBytes = UNBOUNDED): Buffer {
  if (src.length < 7 || src.readUInt32LE(0) !== 0x184d2204)
    throw new DecompressionError('not an lz4 frame (magic number missing)');
  const flg = src[4]!;
  if (flg >> 6 !== 1) throw new DecompressionError(`lz4 frame version ${flg >> 6} is not 1`);
  const blockChecksums = (flg & 0x10) !== 0;
  // FLG, BD, then the optional content size and dictionary id, then the header checksum byte.
  let at = 6 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1;
  const out = new Output(src.length * 3, maxBytes);
  for (;;) {
    if (at + 4 > src.length) throw new DecompressionError('an lz4 frame is cut short');
    const word = src.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (at + size > src.length) throw new DecompressionError('an lz4 block is cut short');
    if (word & 0x80000000) out.append(src, at, at + size);
    else lz4Block(src, at, at + size, out);
    at += size + (blockChecksums ? 4 : 0);
  }
  return out.result();
}
