import { WebSocketServer, type WebSocket } from 'ws';
import { API_VERSION } from '../../../lib/api/common.ts';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { clientFrameSchema, type ServerFrame } from '../../../lib/api/ws.ts';
import type { Cleanup } from './cleanup.ts';
import { freePort } from './collector-process.ts';

// A stand-in for the collector's `/ws` that streams at an exact rate, framed as the collector's
// hub frames it (a `records` frame every 50 ms): it lets the console's live tail be measured at
// 5,000 records/s even on a machine where the collector itself cannot ingest that fast. It speaks
// the same contract (lib/api/ws.ts: hello → subscribe → subscribed → records).

const FLUSH_MS = 50;

function summary(n: number, at: number): RecordSummary {
  const order = `bench-tail-o${Math.floor(n / 8)}`;
  return {
    id: `bench-tail-feed.orders:${n % 6}:${n}`,
    topic: 'bench-tail-feed.orders',
    partition: n % 6,
    offset: n,
    timestamp: at,
    storedAt: at,
    key: order,
    keyEncoding: 'utf8',
    valueKind: 'json',
    valueSize: 200 + (n % 3800),
    valueTruncated: false,
    ceId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    ceType: ['OrderPlaced', 'InventoryReserved', 'PaymentAuthorized', 'SagaStateChanged', 'OrderConfirmed'][
      n % 5
    ]!,
    ceSource: 'bench',
    ceTime: new Date(at).toISOString(),
    causationId: null,
    correlationId: order,
    traceId: null,
    spanId: null,
    sagaId: null,
    sagaType: null,
    isDlq: n % 97 === 0,
    isRetry: false,
    anomalies: [],
  };
}

export interface TailFeed {
  /** Base URL to give the console as COLLECTOR_PUBLIC_URL (it appends /ws). */
  readonly publicUrl: string;
  /** Starts streaming to subscribed clients at `rate` records/s; 0 stops. */
  setRate(rate: number): void;
  sent(): number;
}

export async function startTailFeed(cleanup: Cleanup): Promise<TailFeed> {
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/ws' });
  cleanup.add('close tail feed', () => new Promise<void>((r) => wss.close(() => r())));
  const subscribed = new Set<WebSocket>();
  const send = (ws: WebSocket, f: ServerFrame) => ws.send(JSON.stringify(f));
  wss.on('connection', (ws) => {
    send(ws, { type: 'hello', version: API_VERSION, authRequired: false });
    ws.on('message', (data: Buffer) => {
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString('utf8'));
      } catch {
        raw = undefined;
      }
      const frame = clientFrameSchema.safeParse(raw);
      if (!frame.success) send(ws, { type: 'error', message: 'Invalid frame' });
      else if (frame.data.type === 'ping') send(ws, { type: 'pong' });
      else {
        subscribed.add(ws);
        send(ws, { type: 'subscribed', filter: frame.data.filter });
      }
    });
    ws.on('close', () => subscribed.delete(ws));
  });
  let n = 0;
  let rate = 0;
  let owed = 0;
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    owed += ((now - last) / 1000) * rate;
    last = now;
    const count = Math.floor(owed);
    if (!count || !subscribed.size) return;
    owed -= count;
    const records = Array.from({ length: count }, () => summary(n++, now));
    for (const ws of subscribed) send(ws, { type: 'records', records });
  }, FLUSH_MS);
  cleanup.add('stop tail feed timer', () => clearInterval(timer));
  return {
    publicUrl: `http://127.0.0.1:${port}`,
    setRate(r) {
      rate = r;
      owed = 0;
      last = Date.now();
    },
    sent: () => n,
  };
}
