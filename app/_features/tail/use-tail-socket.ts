'use client';

import { useEffect, useRef, useState } from 'react';
import { serverFrameSchema, type ClientFrame, type TailFilter } from '../../../lib/api/ws.ts';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { backoffDelay } from './backoff.ts';

// The one WebSocket of the console: the live tail, straight to the collector. Reconnects with
// backoff, re-subscribes with the current filter, and parses every frame with the shared schema
// (a frame that does not parse is counted, not trusted).

export type TailConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface TailConnection {
  readonly state: TailConnectionState;
  readonly attempt: number;
  readonly lastError: string | null;
  readonly retryAt: number | null;
  readonly authRequired: boolean | null;
  readonly invalidFrames: number;
  /** Why the collector refused the current filter (nothing is streamed meanwhile), or null. */
  readonly refused: string | null;
}

/** Keep-alive: some proxies close idle sockets after 30–60 s. */
const PING_INTERVAL_MS = 20_000;

export interface TailSocketOptions {
  readonly url: string;
  readonly filter: TailFilter;
  readonly token: string | null;
  readonly onRecords: (records: RecordSummary[]) => void;
  readonly onDropped: (count: number) => void;
  readonly onSubscribed?: () => void;
}

export function useTailSocket({
  url,
  filter,
  token,
  onRecords,
  onDropped,
  onSubscribed,
}: TailSocketOptions): TailConnection {
  const [conn, setConn] = useState<TailConnection>({
    state: 'connecting',
    attempt: 0,
    lastError: null,
    retryAt: null,
    authRequired: null,
    invalidFrames: 0,
    refused: null,
  });
  const handlers = useRef({ onRecords, onDropped, onSubscribed });
  const subscribeFrame = useRef<ClientFrame>({ type: 'subscribe', filter });
  const socketRef = useRef<WebSocket | null>(null);

  useEffect(() => {
    handlers.current = { onRecords, onDropped, onSubscribed };
  }, [onRecords, onDropped, onSubscribed]);

  // A filter change re-subscribes on the open socket; no reconnect needed.
  useEffect(() => {
    const frame: ClientFrame = token ? { type: 'subscribe', filter, token } : { type: 'subscribe', filter };
    subscribeFrame.current = frame;
    const ws = socketRef.current;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }, [filter, token]);

  useEffect(() => {
    let stopped = false;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let pingTimer: ReturnType<typeof setInterval> | undefined;

    const connect = () => {
      if (stopped) return;
      setConn((c) => ({ ...c, state: attempt === 0 ? 'connecting' : 'reconnecting', retryAt: null }));
      let ws: WebSocket;
      try {
        ws = new WebSocket(url);
      } catch (err) {
        scheduleRetry(err instanceof Error ? err.message : String(err));
        return;
      }
      socketRef.current = ws;
      ws.onopen = () => {
        attempt = 0;
        setConn((c) => ({ ...c, state: 'open', attempt: 0, lastError: null, retryAt: null }));
        ws.send(JSON.stringify(subscribeFrame.current));
        pingTimer = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN)
            ws.send(JSON.stringify({ type: 'ping' } satisfies ClientFrame));
        }, PING_INTERVAL_MS);
      };
      ws.onmessage = (ev: MessageEvent) => {
        let data: unknown;
        try {
          data = typeof ev.data === 'string' ? JSON.parse(ev.data) : undefined;
        } catch {
          data = undefined;
        }
        const parsed = serverFrameSchema.safeParse(data);
        if (!parsed.success) {
          setConn((c) => ({ ...c, invalidFrames: c.invalidFrames + 1 }));
          return;
        }
        const frame = parsed.data;
        switch (frame.type) {
          case 'records':
            handlers.current.onRecords(frame.records);
            break;
          case 'dropped':
            handlers.current.onDropped(frame.count);
            break;
          case 'hello':
            setConn((c) => ({ ...c, authRequired: frame.authRequired }));
            break;
          case 'subscribed':
            setConn((c) => (c.refused === null ? c : { ...c, refused: null }));
            handlers.current.onSubscribed?.();
            break;
          case 'error':
            if (frame.code === 'filter_refused') setConn((c) => ({ ...c, refused: frame.message }));
            else setConn((c) => ({ ...c, lastError: frame.message }));
            break;
          case 'pong':
            break;
        }
      };
      ws.onclose = (ev: CloseEvent) => {
        clearInterval(pingTimer);
        if (socketRef.current === ws) socketRef.current = null;
        scheduleRetry(ev.reason || `connection closed (code ${ev.code})`);
      };
      // onclose follows onerror; the browser gives no detail on purpose.
      ws.onerror = () => undefined;
    };

    const scheduleRetry = (reason: string) => {
      if (stopped) return;
      const delay = backoffDelay(attempt);
      attempt += 1;
      setConn((c) => ({
        ...c,
        state: 'reconnecting',
        attempt,
        lastError: c.lastError ?? reason,
        retryAt: Date.now() + delay,
      }));
      retryTimer = setTimeout(connect, delay);
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      const ws = socketRef.current;
      socketRef.current = null;
      if (ws) {
        ws.onclose = null;
        ws.close();
      }
    };
  }, [url]);

  return conn;
}
