'use client';

import type { TailCounts } from './tail-buffer.ts';
import type { TailConnection } from './use-tail-socket.ts';
import { formatNumber } from '../../_lib/format.ts';
import { useNow } from '../../_lib/use-viewport.ts';

export function ConnectionBadge({ conn }: { conn: TailConnection }) {
  const now = useNow(1000);
  if (conn.state === 'open') {
    return (
      <span className="pill pill-ok" data-testid="tail-connection" data-state="open">
        Live
      </span>
    );
  }
  const retryIn = conn.retryAt ? Math.max(0, Math.ceil((conn.retryAt - now) / 1000)) : null;
  return (
    <span
      className="pill pill-warn"
      data-testid="tail-connection"
      data-state={conn.state}
      title={conn.lastError ?? ''}
    >
      {conn.state === 'connecting'
        ? 'Connecting…'
        : `Reconnecting${retryIn !== null ? ` in ${retryIn}s` : '…'} (attempt ${conn.attempt})`}
    </span>
  );
}

/** The honest numbers: what arrived, what is shown, and every way a record did not make it. */
export function TailCountsBar({ counts, paused }: { counts: TailCounts; paused: boolean }) {
  const dropped = counts.droppedByServer + counts.droppedWhilePaused;
  return (
    <div className="row muted" data-testid="tail-counts">
      <span data-testid="tail-received">{formatNumber(counts.received)} received</span>
      <span>·</span>
      <span data-testid="tail-shown">{formatNumber(counts.shown)} shown</span>
      {counts.evicted > 0 ? (
        <span title="Older rows left the list to keep it bounded; they are still in the collector's store.">
          · {formatNumber(counts.evicted)} scrolled out
        </span>
      ) : null}
      {paused || counts.held > 0 ? (
        <span data-testid="tail-held">· {formatNumber(counts.held)} waiting (paused)</span>
      ) : null}
      <span
        className={dropped > 0 ? 'pill pill-bad' : ''}
        data-testid="tail-dropped"
        data-count={dropped}
        title={`${counts.droppedByServer} dropped by the collector for this slow connection, ${counts.droppedWhilePaused} dropped because the pause buffer was full`}
      >
        · {formatNumber(dropped)} dropped
      </span>
    </div>
  );
}
