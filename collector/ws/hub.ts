import type { RecordSummary } from '../../lib/api/records.ts';
import type { ServerFrame, TailFilter } from '../../lib/api/ws.ts';

// The live-tail hub. Ingest publishes records here as they are fetched and returns at once;
// each client has a bounded buffer, flushed by a timer in batches or at once when a burst fills it;
// a client whose socket cannot keep up drops its oldest records (a `dropped` frame says how many). A client whose
// socket already holds a lot of unsent data is skipped until it drains, so one slow browser costs
// memory bounded by its buffer, never ingest throughput.

export interface TailSocket {
  send(data: string): void;
  readonly bufferedAmount: number;
}

export interface TailClient {
  subscribe(filter: TailFilter): void;
  /** Stops sending: a refused filter must not leave the previous (wider) one streaming. */
  unsubscribe(): void;
  remove(): void;
  readonly subscribed: boolean;
}

export interface TailHubOptions {
  readonly bufferSize: number;
  readonly flushMs?: number;
  readonly maxBatch?: number;
  /** Unsent bytes on a socket above which it is not written to this round. */
  readonly maxSocketBuffer?: number;
  readonly onDropped?: (n: number) => void;
  readonly onClients?: (n: number) => void;
  /** Called when the first client subscribes and when the last subscribed one stops or leaves. */
  readonly onWatching?: (watching: boolean) => void;
  /** The masking boundary (collector/masking): applied to each record before any client sees it. */
  readonly mask?: (r: RecordSummary) => RecordSummary;
}

interface ClientState {
  socket: TailSocket;
  filter: TailFilter | null;
  buffer: RecordSummary[];
  dropped: number;
}

export function matchesFilter(f: TailFilter, r: RecordSummary): boolean {
  if (f.topics?.length && !f.topics.includes(r.topic)) return false;
  if (f.types?.length && (r.ceType === null || !f.types.includes(r.ceType))) return false;
  if (f.key !== undefined && r.key !== f.key) return false;
  if (f.correlationId !== undefined && r.correlationId !== f.correlationId) return false;
  if (f.dlqOnly && !r.isDlq) return false;
  return true;
}

export function createTailHub(options: TailHubOptions) {
  const clients = new Set<ClientState>();
  const flushMs = options.flushMs ?? 50;
  const maxBatch = options.maxBatch ?? 500;
  const maxSocketBuffer = options.maxSocketBuffer ?? 4 * 1024 * 1024;
  let timer: NodeJS.Timeout | undefined;
  let watching = false;

  const noteWatching = () => {
    const now = [...clients].some((c) => c.filter !== null);
    if (now === watching) return;
    watching = now;
    options.onWatching?.(now);
  };

  const send = (c: ClientState, frame: ServerFrame) => c.socket.send(JSON.stringify(frame));

  function flushClient(c: ClientState) {
    if (!c.filter || (!c.buffer.length && !c.dropped)) return;
    if (c.socket.bufferedAmount > maxSocketBuffer) return;
    try {
      if (c.dropped) {
        send(c, { type: 'dropped', count: c.dropped });
        c.dropped = 0;
      }
      while (c.buffer.length) send(c, { type: 'records', records: c.buffer.splice(0, maxBatch) });
    } catch {
      // A socket that fails to send is being closed; its close handler removes it.
    }
  }

  function flush() {
    for (const c of clients) flushClient(c);
  }

  return {
    add(socket: TailSocket): TailClient {
      const c: ClientState = { socket, filter: null, buffer: [], dropped: 0 };
      clients.add(c);
      options.onClients?.(clients.size);
      return {
        subscribe(filter) {
          c.filter = filter;
          c.buffer = [];
          noteWatching();
        },
        unsubscribe() {
          c.filter = null;
          c.buffer = [];
          c.dropped = 0;
          noteWatching();
        },
        remove() {
          if (clients.delete(c)) options.onClients?.(clients.size);
          noteWatching();
        },
        get subscribed() {
          return c.filter !== null;
        },
      };
    },
    publish(unmasked: readonly RecordSummary[]) {
      const mask = options.mask;
      const records = mask && clients.size ? unmasked.map(mask) : unmasked;
      for (const c of clients) {
        const f = c.filter;
        if (!f) continue;
        for (const r of records) if (matchesFilter(f, r)) c.buffer.push(r);
        // A burst (a catch-up after a restart) goes out at once to a socket that keeps up; only a
        // client whose socket is backed up loses its oldest records.
        if (c.buffer.length > options.bufferSize) flushClient(c);
        const over = c.buffer.length - options.bufferSize;
        if (over > 0) {
          c.buffer.splice(0, over);
          c.dropped += over;
          options.onDropped?.(over);
        }
      }
    },
    flush,
    clientCount: () => clients.size,
    /** False when no client subscribed: ingest then skips building live-tail frames. */
    hasSubscribers: () => watching,
    start() {
      timer ??= setInterval(flush, flushMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      flush();
    },
  };
}
export type TailHub = ReturnType<typeof createTailHub>;
