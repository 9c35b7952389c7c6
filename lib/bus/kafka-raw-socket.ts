import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { ISocketFactory, ISocketFactoryArgs } from 'kafkajs';
import { BATCH_HEADER_BYTES, readBatchHeader } from './kafka-record-batch.ts';

// Raw fetching through kafkajs's public `socketFactory` option, at the level of the Kafka wire
// protocol (no kafkajs internals are touched). kafkajs, given a Fetch response, decodes every
// record into objects (offsets through a 64-bit Long class, keys, values, a header object per
// record), which is most of what a consumer costs; the collector stores record batches as fetched
// and decodes them later on its worker thread (kafka-record-batch.ts), so for its consumer that
// work is wasted, on the thread that fetches.
//
// A socket from `rawFetchSocketFactory()` notes the API key and version of each request kafkajs
// writes, and rewrites each Fetch v11 response on its way in: every data batch (format v2) becomes
// an uncompressed batch of ONE record whose key is this process's random marker and whose value is
// the original batch's bytes. The header keeps the batch's base offset, last offset delta,
// producer id and transactional flag, so kafkajs still tracks offsets, commits, and drops aborted
// transactions; control batches (transaction markers) pass unchanged, so kafkajs reads them as
// always. Record sets in an older message format, and every other response, pass unchanged.
// A batch whose bytes are hostile (a compression bomb, garbage) is never decompressed here: it
// reaches the collector as bytes, and the collector's decoder decides what to keep.

const FETCH_API_KEY = 1;
const RAW_FETCH_VERSION = 11;
/** Socket events kafkajs (or Node's stream plumbing) may listen to, forwarded as they are. */
const FORWARDED = ['end', 'error', 'timeout', 'close', 'connect', 'secureConnect', 'drain'] as const;

export interface RawFetch {
  readonly socketFactory: ISocketFactory;
  /** The original batch when `key` is this factory's marker (a rewritten batch), else null. */
  rawBatchOf(key: Buffer | null, value: Buffer | null): Buffer | null;
}

export function rawFetchSocketFactory(): RawFetch {
  // Random per process: no record a producer writes can pass for a wrapped batch.
  const marker = randomBytes(16);
  return {
    socketFactory: (args) => new RawFetchSocket(connect(args), marker) as unknown as net.Socket,
    rawBatchOf: (key, value) => (key && value && key.equals(marker) ? value : null),
  };
}

/** What kafkajs's own socket factory does (its module is not part of its public API). */
function connect({ host, port, ssl, onConnect }: ISocketFactoryArgs): net.Socket {
  const socket = ssl
    ? tls.connect({ host, port, ...(!net.isIP(host) && { servername: host }), ...ssl }, onConnect)
    : net.connect({ host, port }, onConnect);
  socket.setKeepAlive(true, 60_000);
  return socket;
}

/** The socket as kafkajs uses it (on, write, end, unref), with Fetch v11 responses rewritten. */
class RawFetchSocket extends EventEmitter {
  private readonly socket: net.Socket;
  private readonly marker: Buffer;
  /** Correlation id -> whether its response is a Fetch v11 one. */
  private readonly requests = new Map<number, boolean>();
  private writeSkip = 0;
  private writeHead: Buffer = Buffer.alloc(0);
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes of a response passed through as they arrive. */
  private passing = 0;

  constructor(socket: net.Socket, marker: Buffer) {
    super();
    this.socket = socket;
    this.marker = marker;
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    for (const e of FORWARDED) socket.on(e, (...args: unknown[]) => this.emit(e, ...args));
  }

  write(data: Buffer | string, encoding?: BufferEncoding, cb?: (err?: Error | null) => void): boolean {
    const buf = typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : data;
    this.noteRequests(buf);
    return cb ? this.socket.write(buf, cb) : this.socket.write(buf);
  }

  end(): this {
    this.socket.end();
    return this;
  }

  destroy(err?: Error): this {
    this.socket.destroy(err);
    return this;
  }

  unref(): this {
    this.socket.unref();
    return this;
  }

  ref(): this {
    this.socket.ref();
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }

  setTimeout(ms: number, cb?: () => void): this {
    this.socket.setTimeout(ms, cb);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }

  /** Request frames: size int32 | apiKey int16 | apiVersion int16 | correlationId int32 | ... */
  private noteRequests(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      if (this.writeSkip > 0) {
        const n = Math.min(this.writeSkip, buf.length - at);
        this.writeSkip -= n;
        at += n;
        continue;
      }
      const need = 12 - this.writeHead.length;
      const part = buf.subarray(at, at + need);
      this.writeHead = Buffer.concat([this.writeHead, part]);
      at += part.length;
      if (this.writeHead.length < 12) return;
      const h = this.writeHead;
      this.writeHead = Buffer.alloc(0);
      this.requests.set(
        h.readInt32BE(8),
        h.readInt16BE(4) === FETCH_API_KEY && h.readInt16BE(6) === RAW_FETCH_VERSION,
      );
      this.writeSkip = Math.max(0, 4 + h.readInt32BE(0) - 12);
    }
  }

  /** `n` buffered bytes (a view when one chunk holds them), removed when `consume`. */
  private take(n: number, consume = true): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) out = first.subarray(0, n);
    else out = Buffer.concat(this.chunks, this.buffered).subarray(0, n);
    if (!consume) return out;
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) {
        this.chunks.shift();
        left -= c.length;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return out;
  }

  private received(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.passing > 0) {
        const n = Math.min(this.passing, this.buffered);
        if (n === 0) return;
        this.passing -= n;
        this.emit('data', this.take(n));
        continue;
      }
      if (this.buffered < 8) return;
      const head = this.take(8, false);
      const size = 4 + head.readInt32BE(0);
      const correlationId = head.readInt32BE(4);
      const fetch = this.requests.get(correlationId) === true;
      if (!fetch) {
        this.requests.delete(correlationId);
        this.passing = size;
        continue;
      }
      if (this.buffered < size) return;
      this.requests.delete(correlationId);
      this.emit('data', rewriteFetchResponse(this.take(size), this.marker));
    }
  }
}

/** Zigzag varint bytes (Kafka's record fields). */
function varint(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}

/**
 * A Fetch v11 response frame (size, correlation id, body) with each partition's record set
 * rewritten (see the top of this file). Most bytes are copied once, by the final concat.
 */
export function rewriteFetchResponse(frame: Buffer, marker: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 4; // the size is written last
  let copied = 4;
  const skip = (n: number) => (at += n);
  const int32 = () => ((at += 4), frame.readInt32BE(at - 4));
  skip(4 + 4 + 2 + 4); // correlation id, throttle time, error code, session id
  for (let t = 0, topics = int32(); t < topics; t++) {
    skip(2 + Math.max(0, frame.readInt16BE(at))); // topic name
    for (let p = 0, n = int32(); p < n; p++) {
      skip(4 + 2 + 8 + 8 + 8); // partition, error code, high watermark, last stable, log start
      const aborted = int32();
      skip(Math.max(0, aborted) * 16 + 4); // aborted transactions, preferred read replica
      const sizeAt = at;
      const size = int32();
      if (size <= 0) continue;
      const set = frame.subarray(at, at + size);
      skip(size);
      const rewritten = rewriteRecordSet(set, marker);
      if (!rewritten) continue;
      parts.push(frame.subarray(copied, sizeAt));
      const len = Buffer.alloc(4);
      len.writeInt32BE(rewritten.reduce((s, b) => s + b.length, 0));
      parts.push(len, ...rewritten);
      copied = at;
    }
  }
  parts.push(frame.subarray(copied));
  const total = parts.reduce((s, b) => s + b.length, 4);
  const head = Buffer.alloc(4);
  head.writeInt32BE(total - 4);
  return Buffer.concat([head, ...parts], total);
}

/** The record set's batches wrapped, or null to leave it as it is (an older format in it). */
function rewriteRecordSet(set: Buffer, marker: Buffer): Buffer[] | null {
  const out: Buffer[] = [];
  for (let at = 0; ;) {
    const h = readBatchHeader(set, at);
    // A partial last batch is left out, as kafkajs would.
    if (!h) return out;
    if (h.magic !== 2) return null;
    const batch = set.subarray(at, at + h.size);
    at += h.size;
    if (h.control) {
      out.push(batch);
      continue;
    }
    const lastOffsetDelta = h.lastOffset - h.baseOffset;
    const body = [
      Buffer.from([0]), // attributes
      varint(0), // timestamp delta
      varint(lastOffsetDelta),
      varint(marker.length),
      marker,
      varint(batch.length),
      batch,
      varint(0), // headers
    ];
    const recordLength = body.reduce((s, b) => s + b.length, 0);
    const prefix = varint(recordLength);
    const header = Buffer.from(batch.subarray(0, BATCH_HEADER_BYTES));
    header.writeInt32BE(BATCH_HEADER_BYTES - 12 + prefix.length + recordLength, 8);
    header.writeInt16BE(h.attributes & ~0x07, 21); // the wrapper is not compressed
    header.writeInt32BE(1, 57);
    out.push(header, prefix, ...body);
  }
}
