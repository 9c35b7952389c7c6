import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Span, Tracer } from '@opentelemetry/api';
import { AppError, badRequest, notFound } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { startServerSpan } from '../../lib/telemetry/http.ts';

// A small HTTP layer for the shop (no framework: a handful of routes per service). One error
// handler maps AppError to `{ error: { code, message, details? } }`; anything else is a 500 whose
// details stay in the log. Bodies are JSON, capped at MAX_BODY_BYTES.

export const MAX_BODY_BYTES = 64 * 1024;
/** Past this we stop reading and drop the connection instead of draining a huge upload. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly raw: IncomingMessage;
  /** The request body parsed as JSON; 400 for invalid JSON or a body over the limit. */
  json(): Promise<unknown>;
}

export interface HttpResponse {
  readonly status: number;
  readonly body?: unknown;
  /** Sent as is instead of JSON (e.g. Prometheus text). */
  readonly text?: string;
  readonly contentType?: string;
}

export interface Route {
  readonly method: string;
  /** `/orders/:id` style; `:name` segments become params. */
  readonly pattern: string;
  /** Routes with a tracer get an HTTP SERVER span. */
  readonly tracer?: Tracer;
  handle(req: HttpRequest, span?: Span): Promise<HttpResponse> | HttpResponse;
}

function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/** Reads the whole body; over the limit it keeps draining (so the client reads our 400) and then rejects. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) req.destroy();
    });
    req.on('end', () => {
      if (size > limit) reject(badRequest(`body larger than ${limit} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(badRequest('request body was cut off'));
    });
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  if (body.length === 0) throw badRequest('body is empty: send a JSON object');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (e) {
    throw badRequest(`body is not valid JSON: ${e instanceof Error ? e.message : 'parse error'}`);
  }
}

function send(res: ServerResponse, r: HttpResponse) {
  if (r.text !== undefined) {
    res.writeHead(r.status, { 'content-type': r.contentType ?? 'text/plain; charset=utf-8' });
    res.end(r.text);
    return;
  }
  if (r.body === undefined) {
    res.writeHead(r.status);
    res.end();
    return;
  }
  const text = JSON.stringify(r.body);
  res.writeHead(r.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function errorResponse(err: unknown, log: Logger): HttpResponse {
  if (err instanceof AppError && err.statusCode < 500)
    return {
      status: err.statusCode,
      body: { error: { code: err.code, message: err.message, ...(err.details && { details: err.details }) } },
    };
  log.error({ err }, 'request failed');
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
}

export interface HttpServer {
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

export function createHttpServer(routes: readonly Route[], logger: Logger): HttpServer {
  const log = logger.child({ component: 'http' });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    let matched: { route: Route; params: Record<string, string> } | undefined;
    let pathKnown = false;
    for (const route of routes) {
      const params = match(route.pattern, url.pathname);
      if (!params) continue;
      pathKnown = true;
      if (route.method === method) {
        matched = { route, params };
        break;
      }
    }
    if (!matched) {
      req.resume();
      const r = pathKnown
        ? {
            status: 405,
            body: { error: { code: 'method_not_allowed', message: `${method} is not allowed here` } },
          }
        : errorResponse(notFound(`no route for ${method} ${url.pathname}`), log);
      send(res, r);
      return;
    }
    const { route, params } = matched;
    const span = route.tracer ? startServerSpan(route.tracer, req, route.pattern) : undefined;
    const request: HttpRequest = {
      method,
      path: url.pathname,
      params,
      query: url.searchParams,
      raw: req,
      json: () => readJson(req),
    };
    void (async () => {
      let r: HttpResponse;
      try {
        r = await route.handle(request, span?.span);
      } catch (err) {
        r = errorResponse(err, log);
      }
      if (!req.complete) req.resume();
      send(res, r);
      span?.end(r.status);
    })();
  });
  // Idle keep-alive sockets would otherwise hold close() open.
  server.keepAliveTimeout = 5000;
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve(`http://${h}:${addr.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
