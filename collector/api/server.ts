import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { AppError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { bearerOf } from './auth.ts';
import type { ApiContext } from './context.ts';
import { queryObject, readJsonBody, sendError, sendJson } from './http.ts';
import { createRouter } from './router.ts';
import { alertActionRoutes } from './routes/alert-actions.ts';
import { chainRoutes } from './routes/chains.ts';
import { dlqRoutes } from './routes/dlq.ts';
import { recordRoutes } from './routes/records.ts';
import { sagaRoutes } from './routes/sagas.ts';
import { schemaRoutes } from './routes/schemas.ts';
import { systemRoutes } from './routes/system.ts';

// The REST API and /metrics on one node:http server (the WebSocket tail attaches to it too).
// One error path: an AppError becomes its status and an apiErrorSchema body; anything else is
// logged and answered 500 without details.

const MAX_JSON_BODY = 1024 * 1024;

export function createApiHandler(ctx: ApiContext, deps: { registry: Registry; logger: Logger }) {
  const log = deps.logger.child({ component: 'api' });
  const router = createRouter([
    ...recordRoutes(ctx),
    ...chainRoutes(ctx),
    ...sagaRoutes(ctx),
    ...dlqRoutes(ctx),
    ...systemRoutes(ctx),
    ...schemaRoutes(ctx),
    ...alertActionRoutes(ctx),
  ]);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://collector');
    const method = req.method ?? 'GET';
    if (url.pathname === '/metrics' && method === 'GET') {
      // Same read permission as the API: with VIEWER_TOKEN set, Prometheus scrapes with a bearer token.
      ctx.auth.check('read', bearerOf(req.headers.authorization), req.socket.remoteAddress ?? 'unknown');
      const text = await deps.registry.metrics();
      res.writeHead(200, { 'content-type': deps.registry.contentType });
      res.end(text);
      return;
    }
    const m = router.match(method === 'HEAD' ? 'GET' : method, url.pathname);
    if (!m.route) {
      if (m.methods.length) {
        sendError(
          res,
          new AppError(`${method} is not allowed here; use ${m.methods.join(', ')}`, {
            statusCode: 405,
            code: 'method_not_allowed',
          }),
          {
            allow: m.methods.join(', '),
          },
        );
        return;
      }
      sendError(
        res,
        new AppError(`No route ${method} ${url.pathname}; see /api/openapi.json`, {
          statusCode: 404,
          code: 'not_found',
        }),
      );
      return;
    }
    const identity = ctx.auth.check(
      m.route.access,
      bearerOf(req.headers.authorization),
      req.socket.remoteAddress ?? 'unknown',
    );
    const body = method === 'POST' ? await readJsonBody(req, MAX_JSON_BODY) : undefined;
    const result = await m.route.handler({
      params: m.params,
      query: queryObject(url.searchParams),
      body,
      identity,
      remoteAddr: req.socket.remoteAddress ?? 'unknown',
      actor: actorOf(req.headers['x-causeway-actor']),
    });
    if (result.status === 204) {
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
      return;
    }
    sendJson(res, result.status ?? 200, result.body, result.headers ? { ...result.headers } : {});
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof AppError && err.statusCode < 500) {
        sendError(res, err);
        return;
      }
      if (err instanceof AppError) log.warn({ err }, 'request failed');
      else log.error({ err, method: req.method, path: req.url?.split('?')[0] }, 'request failed');
      sendError(
        res,
        err instanceof AppError
          ? err
          : new AppError('Internal error; see the collector log', { statusCode: 500 }),
      );
    });
  };
}

/** A self-declared operator name for the audit log: printable, bounded. */
const actorOf = (h: string | string[] | undefined) => {
  const v = Array.isArray(h) ? h[0] : h;
  const clean = v
    ?.replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, 100);
  return clean || undefined;
};

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}

/**
 * Requests node:http refuses before any handler runs (a URL or headers over its 16 KB limit, a
 * malformed request line, a request timeout) would otherwise get Node's bare status line with no
 * body; they get the same JSON error body as every other refusal, so clients can show why.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex) {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message]: [number, string, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'The request line and headers are larger than 16 KB; shorten the URL']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request was not received in time']
        : [400, 'bad_request', `Malformed HTTP request (${err.code ?? 'parse error'})`];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export const createHttpServer = (handler: ReturnType<typeof createApiHandler>): Server => {
  const s = createServer(handler);
  s.requestTimeout = 30_000;
  s.headersTimeout = 10_000;
  s.on('clientError', onClientError);
  return s;
};
