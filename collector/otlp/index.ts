import { gunzipSync, inflateSync } from 'node:zlib';
import type { Span } from '../../lib/api/chains.ts';
import { JsonShapeError, decodeJsonTraces } from './decode-json.ts';
import { decodeProtobufTraces } from './decode-protobuf.ts';
import { TooManySpansError } from './span-fields.ts';
import { WireError } from './wire-reader.ts';

// The body of an OTLP/HTTP `POST /v1/traces`, as the OTel SDKs send it: protobuf or JSON, plain
// or gzip-compressed, turned into Causeway spans. The HTTP server around it (collector/) maps the
// result to a status code; this function never throws, whatever the bytes.

export interface DecodeOtlpInput {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  /** Spans accepted in one request; more is a 413. Default 50,000. */
  readonly maxSpans?: number;
  /** Largest body after decompression; more is a 413 (a zip bomb stops here). Default 32 MiB. */
  readonly maxBytes?: number;
}

export type DecodeOtlpResult =
  | { readonly ok: true; readonly spans: Span[]; readonly rejectedSpans: number }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly message: string };

export const OTLP_DEFAULT_MAX_SPANS = 50_000;
export const OTLP_DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

const fail = (status: 400 | 413 | 415, message: string): DecodeOtlpResult => ({ ok: false, status, message });

/** The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
const mediaType = (v: string | undefined) => (v ?? '').split(';')[0]!.trim().toLowerCase();

function decompress(body: Buffer, encoding: string | undefined, maxBytes: number): Buffer | DecodeOtlpResult {
  const enc = (encoding ?? '').trim().toLowerCase();
  const tooLarge = () => fail(413, `body larger than ${maxBytes} bytes once decompressed`);
  if (enc === '' || enc === 'identity') return body.length > maxBytes ? tooLarge() : body;
  const inflate =
    enc === 'gzip' || enc === 'x-gzip' ? gunzipSync : enc === 'deflate' ? inflateSync : undefined;
  if (!inflate) return fail(415, `unsupported Content-Encoding "${enc}": send gzip, deflate or none`);
  try {
    return inflate(body, { maxOutputLength: maxBytes });
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ERR_BUFFER_TOO_LARGE') return tooLarge();
    return fail(400, `${enc}: ${e instanceof Error ? e.message : 'could not decompress the body'}`);
  }
}

export function decodeOtlpRequest(input: DecodeOtlpInput): DecodeOtlpResult {
  const maxSpans = input.maxSpans ?? OTLP_DEFAULT_MAX_SPANS;
  try {
    const type = mediaType(input.contentType);
    const protobuf = type === 'application/x-protobuf' || type === 'application/protobuf';
    if (!protobuf && type !== 'application/json')
      return fail(
        415,
        `unsupported Content-Type "${type || '(none)'}": send application/x-protobuf or application/json`,
      );
    const body = decompress(input.body, input.contentEncoding, input.maxBytes ?? OTLP_DEFAULT_MAX_BYTES);
    if (!Buffer.isBuffer(body)) return body;
    const { spans, rejectedSpans } = protobuf
      ? decodeProtobufTraces(body, maxSpans)
      : decodeJsonTraces(body.toString('utf8'), maxSpans);
    return { ok: true, spans, rejectedSpans };
  } catch (e) {
    if (e instanceof TooManySpansError) return fail(413, `too many spans: ${e.message}`);
    if (e instanceof WireError || e instanceof JsonShapeError) return fail(400, e.message);
    // Anything else (a stack overflow on absurd nesting, say) is still the client's malformed body.
    return fail(400, `malformed OTLP request: ${e instanceof Error ? e.message : String(e)}`);
  }
}
