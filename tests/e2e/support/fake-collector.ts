import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import * as api from '../../../lib/api/index.ts';
import { alertsResponseSchema } from '../../../lib/api/alerts.ts';
import { topicsResponseSchema } from '../../../lib/api/topics.ts';
import * as fx from './fake-fixtures.ts';

// A contract-checked stand-in for the collector: every fixture is parsed with the shared schemas
// at start, so the console is exercised against exactly the shapes the real collector promises.
// For developing and screenshotting the console without the whole stack:
//   node tests/e2e/support/fake-collector.ts   (FAKE_PORT=4100, FAKE_RATE=records/s on /ws)

export const FAKE_OPERATOR_TOKEN = 'fake-operator-token';

export function startFakeCollector(port: number, ratePerSec = 20) {
  api.healthSchema.parse(fx.health);
  api.topologySchema.parse(fx.topology);
  api.chainSchema.parse(fx.chain);
  api.sagaDetailSchema.parse(fx.saga);
  api.dlqEntryDetailSchema.parse(fx.dlqEntry);
  api.consumerGroupsSchema.parse({ items: fx.consumers, polledAt: Date.now() });
  alertsResponseSchema.parse(fx.alerts);

  const entry = structuredClone(fx.dlqEntry);
  const replayKeys = new Map<string, api.Replay>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse) =>
    send(res, 404, { error: { code: 'not_found', message: 'Not found' } });
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
  };
  const authorized = (req: IncomingMessage) => req.headers.authorization === `Bearer ${FAKE_OPERATOR_TOKEN}`;

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      if (p[0] !== 'api') return notFound(res);
      const [, resource, id, action] = p;
      if (req.method === 'GET') {
        switch (resource) {
          case 'health':
            return send(res, 200, fx.health);
          case 'topology':
            return send(res, 200, fx.topology);
          case 'alerts':
            return send(res, 200, fx.alerts);
          case 'consumers':
            return send(res, 200, { items: fx.consumers, polledAt: Date.now() });
          case 'topics':
            return send(res, 200, topicsResponseSchema.parse({ ...fx.topics, polledAt: Date.now() }));
          case 'records':
            if (id) {
              const r = fx.recordDetail(id);
              return r ? send(res, 200, r) : notFound(res);
            }
            return send(res, 200, { items: [...fx.records, fx.xssRecord], nextCursor: null });
          case 'chains':
            if (id) return send(res, 200, fx.chain);
            return send(res, 200, {
              items: [
                {
                  id: fx.chain.id,
                  flow: fx.chain.flow,
                  status: fx.chain.status,
                  outcome: fx.chain.outcome,
                  startedAt: fx.chain.startedAt,
                  durationMs: fx.chain.durationMs,
                  recordCount: fx.chain.records.length,
                },
              ],
              nextCursor: null,
            });
          case 'sagas':
            if (id) return id === fx.saga.id ? send(res, 200, fx.saga) : notFound(res);
            return send(res, 200, {
              items: [fx.saga],
              nextCursor: null,
              counts: [
                { type: 'order-fulfilment', state: 'COMPENSATED', count: 1 },
                { type: 'order-fulfilment', state: 'COMPLETED', count: 7 },
              ],
            });
          case 'dlq':
            if (id === 'groups') {
              return send(res, 200, {
                byOrigin: [
                  {
                    dlqTopic: entry.dlqTopic,
                    originTopic: entry.originTopic,
                    total: 1,
                    unresolved: entry.status === 'unresolved' ? 1 : 0,
                  },
                ],
                byError: [
                  {
                    errorClass: entry.errorClass,
                    total: 1,
                    unresolved: entry.status === 'unresolved' ? 1 : 0,
                  },
                ],
              });
            }
            if (id) return id === entry.id ? send(res, 200, entry) : notFound(res);
            return send(res, 200, { items: [entry], nextCursor: null });
        }
        return notFound(res);
      }
      if (req.method === 'POST' && resource === 'dlq') {
        if (!authorized(req))
          return send(res, 401, { error: { code: 'unauthorized', message: 'Operator token required' } });
        const body = await readBody(req);
        if (id === 'replay') {
          const b = api.bulkReplayRequestSchema.parse(body);
          return send(res, 200, {
            dryRun: b.dryRun,
            total: 1,
            refused: 0,
            byTarget: [{ targetTopic: 'payment.commands', count: 1 }],
            byError: [{ errorClass: entry.errorClass, count: 1 }],
            jobId: b.dryRun ? null : 'job-1',
          });
        }
        if (id === entry.id && action === 'replay') {
          const { replayKey } = api.replayRequestSchema.parse(body);
          const existing = replayKeys.get(replayKey);
          if (existing) return send(res, 200, { replay: existing, duplicate: true });
          const replay: api.Replay = {
            id: `rp-${replayKeys.size + 1}`,
            entryId: entry.id,
            replayKey,
            requestedBy: 'operator',
            requestedAt: Date.now(),
            status: 'produced',
            targetTopic: 'payment.commands',
            targetPartition: 0,
            targetOffset: 200 + replayKeys.size,
            error: null,
            outcome: 'pending',
            outcomeAt: null,
          };
          replayKeys.set(replayKey, replay);
          entry.replays.push(replay);
          entry.replayCount += 1;
          entry.status = 'replayed';
          setTimeout(() => {
            replay.outcome = 'chain_completed';
            replay.outcomeAt = Date.now();
          }, 1500);
          return send(res, 200, { replay, duplicate: false });
        }
      }
      return notFound(res);
    })().catch((err: unknown) => send(res, 400, { error: { code: 'bad_request', message: String(err) } }));
  });

  const wss = new WebSocketServer({ server, path: '/ws' });
  let offset = 10_000;
  wss.on('connection', (socket) => {
    socket.send(JSON.stringify({ type: 'hello', version: 1, authRequired: false }));
    let timer: ReturnType<typeof setInterval> | undefined;
    socket.on('message', (raw: Buffer) => {
      const frame = api.clientFrameSchema.safeParse(JSON.parse(raw.toString('utf8')));
      if (!frame.success || frame.data.type !== 'subscribe') return;
      socket.send(JSON.stringify({ type: 'subscribed', filter: frame.data.filter }));
      socket.send(JSON.stringify({ type: 'records', records: [...fx.records, fx.xssRecord] }));
      clearInterval(timer);
      const perTick = Math.max(1, Math.round(ratePerSec / 10));
      timer = setInterval(() => {
        const batch = Array.from({ length: perTick }, () => ({
          ...fx.records[0]!,
          id: `orders.events:1:${offset}`,
          partition: 1,
          offset: offset++,
          timestamp: Date.now(),
        }));
        socket.send(JSON.stringify({ type: 'records', records: batch }));
        if (offset % 100 === 0) socket.send(JSON.stringify({ type: 'dropped', count: 3 }));
      }, 100);
    });
    socket.on('close', () => clearInterval(timer));
  });

  return new Promise<{ close: () => Promise<void> }>((resolve) => {
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            wss.clients.forEach((c) => c.terminate());
            wss.close();
            server.close(() => done());
          }),
      }),
    );
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.FAKE_PORT ?? 4100);
  void startFakeCollector(port, Number(process.env.FAKE_RATE ?? 20)).then(() =>
    console.log(`fake collector on http://127.0.0.1:${port}`),
  );
}
