'use client';

import { formatRate } from '../../_lib/format.ts';
import { errorMessage } from '../../_lib/api-client.ts';
import { useHealth } from './api.ts';

/** The header pill: is the collector there, and is it connected to the bus? */
export function CollectorStatus() {
  const health = useHealth();
  if (health.isPending) {
    return (
      <span className="pill" data-testid="collector-status" data-state="pending">
        Collector: checking…
      </span>
    );
  }
  if (health.isError) {
    return (
      <span
        className="pill pill-bad"
        data-testid="collector-status"
        data-state="down"
        title={errorMessage(health.error)}
      >
        Collector unreachable
      </span>
    );
  }
  const h = health.data;
  const ok = h.busConnected && h.status === 'ok';
  const title = h.busError ? `Bus error: ${h.busError}` : `${h.bus} bus, ${h.recordsStored} records stored`;
  return (
    <span
      className={`pill ${ok ? 'pill-ok' : 'pill-warn'}`}
      data-testid="collector-status"
      data-state={ok ? 'ok' : 'degraded'}
      title={title}
    >
      {ok
        ? `${h.bus === 'kafka' ? 'Kafka' : 'Embedded bus'} · ${formatRate(h.ingestRatePerSec)}`
        : h.busConnected
          ? 'Collector degraded'
          : 'Bus disconnected'}
    </span>
  );
}
