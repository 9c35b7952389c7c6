import { createRequire } from 'node:module';
import type { ISocketFactory } from 'kafkajs';
import { controlRecordKey, readBatchHeader } from './kafka-record-batch.ts';

// Raw fetching: kafkajs, given a Fetch response, decodes every record into objects (offsets through
// a 64-bit Long class, keys, values and headers as Buffers, a header object per record), which is
// most of what a consumer costs. The collector stores records as fetched and decodes them later on
// its worker thread, so for its consumer that work is wasted, on the thread that fetches.
//
// For connections of a client made with `rawSocketFactory()`, Fetch v11 responses are decoded here
// instead: one pseudo-message per record batch, carrying the batch's bytes (`raw`), its last offset
// (what kafkajs resolves and commits), and what kafkajs's transaction filtering reads (producer id,
// transactional flag, and for a control batch its marker key), so kafkajs still drops control
// batches and aborted transactions, tracks offsets and commits as for any consumer. Batches in an
// older message format fall back to kafkajs's own decoding. Every other client is untouched: the
// patch looks at the connection's socket factory first.
//
// This reaches into kafkajs internals (Connection#send, the Fetch v4 message decoder); the version
// is pinned (2.2.4) and the contract suite runs the collector against a real broker.

const require = createRequire(import.meta.url);

interface KafkajsDecoder {
  offset: number;
}
type DecoderCtor = new (buf: Buffer) => KafkajsDecoder;
type DecodeMessages = (decoder: KafkajsDecoder) => Promise<unknown[]>;
interface FetchResponse {
  decode(raw: Buffer): Promise<unknown>;
  parse(data: unknown): Promise<unknown>;
}
interface ConnectionProto {
  socketFactory?: unknown;
  send: (
    this: ConnectionProto,
    req: { request: { apiKey: number; apiVersion: number }; response: FetchResponse },
  ) => Promise<unknown>;
}

const FETCH_API_KEY = 1;
const RAW_FETCH_VERSION = 11;

/** A pseudo-message standing for one record batch, as kafkajs's consumer reads messages. */
export interface RawBatchMessage {
  readonly magicByte: 2;
  /** The batch's last offset, as kafkajs carries offsets (a decimal string). */
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: null;
  readonly headers: Record<string, never>;
  readonly isControlRecord: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
  readonly raw: Buffer;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly recordCount: number;
}

export function isRawBatchMessage(m: unknown): m is RawBatchMessage {
  return typeof m === 'object' && m !== null && 'raw' in m && Buffer.isBuffer(m.raw);
}

const rawFactories = new WeakSet<object>();
let installed = false;

/** A socket factory (kafkajs's own) whose connections fetch raw batches. */
export function rawSocketFactory(): ISocketFactory {
  install();
  const base = (require('kafkajs/src/network/socketFactory') as () => ISocketFactory)();
  const factory: ISocketFactory = (args) => base(args);
  rawFactories.add(factory);
  return factory;
}

function install(): void {
  if (installed) return;
  installed = true;
  const Connection = require('kafkajs/src/network/connection') as { prototype: ConnectionProto };
  const Decoder = require('kafkajs/src/protocol/decoder') as DecoderCtor;
  const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as DecodeMessages;
  const original = Connection.prototype.send;
  Connection.prototype.send = function (this: ConnectionProto, req) {
    const { apiKey, apiVersion } = req.request;
    if (
      apiKey === FETCH_API_KEY &&
      apiVersion === RAW_FETCH_VERSION &&
      rawFactories.has(this.socketFactory as object)
    ) {
      const response = req.response;
      return original.call(this, {
        ...req,
        response: {
          decode: (raw: Buffer) => decodeFetchV11(raw, Decoder, decodeMessages),
          parse: (d) => response.parse(d),
        },
      });
    }
    return original.call(this, req);
  };
}

/** Reads a Fetch v11 response into kafkajs's shape, with record batches as pseudo-messages. */
async function decodeFetchV11(buf: Buffer, Decoder: DecoderCtor, decodeMessages: DecodeMessages) {
  let at = 0;
  const int16 = () => ((at += 2), buf.readInt16BE(at - 2));
  const int32 = () => ((at += 4), buf.readInt32BE(at - 4));
  const int64 = () => ((at += 8), buf.readBigInt64BE(at - 8).toString());
  const string = () => {
    const n = int16();
    at += Math.max(0, n);
    return n < 0 ? null : buf.toString('utf8', at - n, at);
  };
  const clientSideThrottleTime = int32();
  const errorCode = int16();
  const sessionId = int32();
  const responses = [];
  for (let t = 0, topics = int32(); t < topics; t++) {
    const topicName = string();
    const partitions = [];
    for (let p = 0, n = int32(); p < n; p++) {
      const partition = int32();
      const partitionError = int16();
      const highWatermark = int64();
      const lastStableOffset = int64();
      const lastStartOffset = int64();
      const abortedTransactions = [];
      for (let a = 0, na = int32(); a < na; a++)
        abortedTransactions.push({ producerId: int64(), firstOffset: int64() });
      const preferredReadReplica = int32();
      const sizeAt = at;
      const size = int32();
      const end = at + Math.max(0, size);
      let messages: unknown[] = [];
      if (size > 0) {
        // The magic byte sits at the same place in every message format.
        const magic = end - at > 16 ? buf.readInt8(at + 16) : 2;
        if (magic === 2) messages = rawBatches(buf.subarray(at, end));
        else {
          const d = new Decoder(buf);
          d.offset = sizeAt;
          messages = await decodeMessages(d);
        }
      }
      at = end;
      partitions.push({
        partition,
        errorCode: partitionError,
        highWatermark,
        lastStableOffset,
        lastStartOffset,
        abortedTransactions,
        preferredReadReplica,
        messages,
      });
    }
    responses.push({ topicName, partitions });
  }
  return { throttleTime: 0, clientSideThrottleTime, errorCode, sessionId, responses };
}

/** Whole record batches of a record set as pseudo-messages; a partial last batch is left out. */
function rawBatches(set: Buffer): RawBatchMessage[] {
  const out: RawBatchMessage[] = [];
  for (let at = 0; ;) {
    const h = readBatchHeader(set, at);
    if (!h || h.magic !== 2) break;
    const raw = set.subarray(at, at + h.size);
    at += h.size;
    out.push({
      magicByte: 2,
      offset: String(h.lastOffset),
      timestamp: String(h.maxTimestamp),
      key: h.control ? controlRecordKey(raw) : null,
      value: null,
      headers: {},
      isControlRecord: h.control,
      batchContext: { producerId: h.producerId.toString(), inTransaction: h.transactional },
      raw,
      baseOffset: h.baseOffset,
      lastOffset: h.lastOffset,
      recordCount: h.recordCount,
    });
  }
  return out;
}
