import WebSocket from 'ws';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { serverFrameSchema, type TailFilter } from '../../../lib/api/ws.ts';

// A live-tail client that behaves like the console's: it subscribes on every open and, when the
// connection drops, reconnects to the same URL with a short backoff until stopped. It records
// when each connection closed, so a test can tell whether a dead collector left it hanging.

export interface TailClient {
  readonly records: RecordSummary[];
  /** Epoch ms of every close seen (one per dropped connection). */
  readonly closes: number[];
  /** Epoch ms of every `subscribed` acknowledgement (one per successful (re)connection). */
  readonly subscriptions: number[];
  /** Frames that did not parse with serverFrameSchema (must stay empty). */
  readonly badFrames: string[];
  readonly connected: () => boolean;
  stop(): Promise<void>;
}

export function startTailClient(
  wsUrl: string,
  filter: TailFilter,
  opts: { retryMs?: number } = {},
): TailClient {
  const retryMs = opts.retryMs ?? 200;
  const records: RecordSummary[] = [];
  const closes: number[] = [];
  const subscriptions: number[] = [];
  const badFrames: string[] = [];
  let ws: WebSocket | undefined;
  let open = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const connect = () => {
    if (stopped) return;
    const sock = new WebSocket(wsUrl);
    ws = sock;
    sock.on('open', () => {
      open = true;
      sock.send(JSON.stringify({ type: 'subscribe', filter }));
    });
    sock.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        badFrames.push(text.slice(0, 200));
        return;
      }
      const frame = serverFrameSchema.safeParse(parsed);
      if (!frame.success) {
        badFrames.push(text.slice(0, 200));
        return;
      }
      if (frame.data.type === 'records') records.push(...frame.data.records);
      else if (frame.data.type === 'subscribed') subscriptions.push(Date.now());
    });
    // A refused connection (collector not up yet) emits error then close; both end in a retry.
    sock.on('error', () => undefined);
    sock.on('close', () => {
      if (open) closes.push(Date.now());
      open = false;
      if (!stopped) timer = setTimeout(connect, retryMs);
    });
  };
  connect();

  return {
    records,
    closes,
    subscriptions,
    badFrames,
    connected: () => open,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const sock = ws;
      if (!sock || sock.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        sock.once('close', () => resolve());
        sock.terminate();
      });
    },
  };
}
