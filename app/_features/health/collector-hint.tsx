'use client';

import { errorMessage } from '../../_lib/api-client.ts';
import { formatRelative } from '../../_lib/format.ts';
import { useHealth } from './api.ts';

/**
 * What the collector says about itself, for empty states: "nothing here" is only useful with
 * "and this is why it may be empty".
 */
export function CollectorHint() {
  const health = useHealth();
  if (health.isPending) return null;
  if (health.isError) {
    return (
      <p className="hint" data-testid="collector-hint">
        The collector does not answer: {errorMessage(health.error)}
      </p>
    );
  }
  const h = health.data;
  const now = Date.now();
  const parts = [
    h.busConnected
      ? `connected to the ${h.bus} bus`
      : `NOT connected to the ${h.bus} bus${h.busError ? ` (${h.busError})` : ''}`,
    `${h.recordsStored} records stored`,
    h.lastIngestAt ? `last record ${formatRelative(h.lastIngestAt, now)}` : 'no record ingested yet',
  ];
  return (
    <p className="hint" data-testid="collector-hint">
      The collector reports: {parts.join(', ')}.
    </p>
  );
}
