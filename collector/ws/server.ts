import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_VERSION } from '../../lib/api/common.ts';
import { clientFrameSchema, type ServerFrame } from '../../lib/api/ws.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Auth } from '../api/auth.ts';
import type { TailHub } from './hub.ts';

// `/ws`: browsers open it directly (the console proxies only REST), so any Origin is accepted;
// when VIEWER_TOKEN is set the subscribe frame must carry a valid token. A ping every interval
// and no pong by the next one terminates the connection.

export function attachTailServer(deps: {
  server: Server;
  hub: TailHub;
  auth: Auth;
  logger: Logger;
  pingMs?: number;
}) {
  const log = deps.logger.child({ component: 'ws' });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const alive = new WeakMap<WebSocket, boolean>();

  const send = (ws: WebSocket, frame: ServerFrame) => ws.send(JSON.stringify(frame));

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const addr = req.socket.remoteAddress ?? 'unknown';
    const client = deps.hub.add(ws);
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('close', () => client.remove());
    ws.on('error', () => client.remove());
    send(ws, { type: 'hello', version: API_VERSION, authRequired: deps.auth.readRequired });
    ws.on('message', (data, isBinary) => {
      let raw: unknown;
      try {
        const buf = Buffer.isBuffer(data)
          ? data
          : Array.isArray(data)
            ? Buffer.concat(data)
            : Buffer.from(data);
        raw = isBinary ? undefined : (JSON.parse(buf.toString('utf8')) as unknown);
      } catch {
        raw = undefined;
      }
      const frame = clientFrameSchema.safeParse(raw);
      if (!frame.success) {
        const why = frame.error.issues
          .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
          .join('; ');
        // A subscribe we cannot apply stops the stream: records matching the previous filter
        // (or none) arriving under a filter the user believes is applied would be untrue. Every
        // refusal still reads "Invalid frame: …" (the API's one error contract), with its own code.
        const isSubscribe =
          typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'subscribe';
        if (isSubscribe) {
          client.unsubscribe();
          send(ws, {
            type: 'error',
            code: 'filter_refused',
            message: `Invalid frame: the collector refused this filter, so nothing is streamed: ${why}`,
          });
        } else send(ws, { type: 'error', message: `Invalid frame: ${why}` });
        return;
      }
      if (frame.data.type === 'ping') {
        send(ws, { type: 'pong' });
        return;
      }
      const allowed = deps.auth.wsAllowed(frame.data.token, addr);
      if (allowed !== true) {
        send(ws, {
          type: 'error',
          message:
            allowed === 'rate_limited'
              ? 'Too many failed token attempts'
              : 'A valid viewer token is required',
        });
        ws.close(allowed === 'rate_limited' ? 4429 : 4401, 'unauthorized');
        return;
      }
      client.subscribe(frame.data.filter);
      send(ws, { type: 'subscribed', filter: frame.data.filter });
    });
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  deps.server.on('upgrade', onUpgrade);

  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        log.debug('live-tail client missed a pong; closing');
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, deps.pingMs ?? 30_000);
  pinger.unref();

  return {
    close: async () => {
      clearInterval(pinger);
      deps.server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
