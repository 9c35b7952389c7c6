import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../lib/logger.ts';
import { AppError } from '../../lib/errors.ts';
import type { DecodeOtlpResult } from '../otlp/index.ts';
import type { Span } from '../../lib/api/chains.ts';
import type { CollectorMetrics } from '../metrics/registry.ts';
import { readBody } from '../api/http.ts';
import type { TrafficCounter } from '../topology/traffic.ts';

// The OTLP/HTTP receiver: `POST /v1/traces`, protobuf or JSON, optionally gzip (decoding is in
// collector/otlp). Answers as the OTLP spec asks: 200 with an empty ExportTraceServiceResponse in
// the request's encoding, and a google.rpc.Status body on errors (4xx for a bad request, 503 when
// the store is unavailable so exporters retry).

export type OtlpDecoder = (input: {
  body: Buffer;
  contentType: string | undefined;
  contentEncoding: string | undefined;
}) => DecodeOtlpResult;

const MAX_BODY = 16 * 1024 * 1024;
/** gRPC status codes used in the Status body. */
const GRPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, UNAVAILABLE: 14 } as const;

function statusProtobuf(code: number, message: string): Buffer {
  // google.rpc.Status { int32 code = 1; string message = 2; }
  const msg = Buffer.from(message, 'utf8');
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return out;
  };
  return Buffer.from([0x08, ...varint(code), 0x12, ...varint(msg.length), ...msg]);
}

export function createOtlpReceiver(deps: {
  /** Stores decoded spans (the ingest engine: serialised with record ingest). */
  writeSpans: (spans: readonly Span[]) => Promise<unknown>;
  decode: OtlpDecoder;
  metrics: CollectorMetrics;
  logger: Logger;
  host: string;
  port: number;
  now: () => number;
  traffic: TrafficCounter;
}) {
  const log = deps.logger.child({ component: 'otlp' });
  let server: Server | undefined;
  let url = '';

  function answer(
    res: ServerResponse,
    protobuf: boolean,
    status: number,
    error?: { code: number; message: string },
  ) {
    const body = protobuf
      ? error
        ? statusProtobuf(error.code, error.message)
        : Buffer.alloc(0)
      : Buffer.from(JSON.stringify(error ?? {}));
    res.writeHead(status, {
      'content-type': protobuf ? 'application/x-protobuf' : 'application/json',
      'content-length': body.length,
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    const protobuf = /protobuf/i.test(req.headers['content-type'] ?? '');
    if (path !== '/v1/traces')
      return answer(res, protobuf, 404, {
        code: GRPC.UNIMPLEMENTED,
        message: `no such path ${path}; send spans to /v1/traces`,
      });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return answer(res, protobuf, 405, { code: GRPC.UNIMPLEMENTED, message: 'use POST' });
    }
    const refuse = (status: number, code: number, message: string) => {
      deps.metrics.otlpRequests.inc({ outcome: 'refused' });
      answer(res, protobuf, status, { code, message });
    };
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY);
    } catch (err) {
      const status = err instanceof AppError ? err.statusCode : 400;
      return refuse(
        status,
        GRPC.RESOURCE_EXHAUSTED,
        err instanceof Error ? err.message : 'could not read the body',
      );
    }
    const decoded = deps.decode({
      body,
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
    });
    if (!decoded.ok) return refuse(decoded.status, GRPC.INVALID_ARGUMENT, decoded.message);
    const spans: Span[] = decoded.spans;
    try {
      await deps.writeSpans(spans);
    } catch (err) {
      log.error({ err }, 'storing spans failed');
      return refuse(503, GRPC.UNAVAILABLE, 'the span store is unavailable; retry later');
    }
    for (const s of spans) {
      const topic = s.attributes['messaging.destination.name'];
      const group = s.attributes['messaging.consumer.group.name'];
      const error = s.status === 'error';
      if (s.kind === 'producer' && typeof topic === 'string')
        deps.traffic.producerSpan(s.service, topic, error);
      else if (s.kind === 'consumer')
        deps.traffic.consumerSpan(
          typeof group === 'string' ? group : null,
          s.service,
          typeof topic === 'string' ? topic : null,
          error,
        );
    }
    deps.metrics.otlpRequests.inc({ outcome: 'accepted' });
    deps.metrics.otlpSpans.inc(spans.length);
    answer(res, protobuf, 200);
  }

  return {
    get url() {
      return url;
    },
    async start() {
      server = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          log.error({ err }, 'OTLP request failed');
          if (!res.headersSent)
            answer(res, false, 500, { code: GRPC.UNAVAILABLE, message: 'internal error' });
        });
      });
      server.requestTimeout = 30_000;
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(deps.port, deps.host, () => resolve());
      });
      const addr = s.address() as AddressInfo;
      url = `http://${deps.host}:${addr.port}`;
      log.info({ url }, 'OTLP/HTTP receiver listening');
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
