'use client';

import Link from 'next/link';
import { STUCK_JUDGEMENT_LAG_MS, type Health } from '../../../lib/api/topology.ts';
import { formatDuration, formatNumber, formatRate } from '../../_lib/format.ts';

function Tile({
  label,
  value,
  href,
  tone,
  testid,
}: {
  label: string;
  value: string;
  href: string;
  tone?: 'bad' | 'warn' | undefined;
  testid: string;
}) {
  return (
    <Link href={href} className={`tile${tone ? ` tile-${tone}` : ''}`} data-testid={testid}>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
    </Link>
  );
}

/** "Stuck sagas", and how far behind they are judged when the collector is catching up. */
function stuckLabel(health: Health, now: number): string {
  const through = health.stuckJudgedThrough;
  if (through === null) return 'Stuck sagas (not judged yet)';
  return now - through > STUCK_JUDGEMENT_LAG_MS
    ? `Stuck sagas (judged ${formatDuration(now - through)} behind)`
    : 'Stuck sagas';
}

export function HealthTiles({ health }: { health: Health }) {
  return (
    <div className="grid-cards" data-testid="health-tiles">
      <Tile
        label="Throughput"
        value={formatRate(health.ingestRatePerSec)}
        href="/tail"
        testid="tile-throughput"
      />
      <Tile
        label="End-to-end latency p95"
        value={formatDuration(health.e2eLatencyP95Ms)}
        href="/chains"
        testid="tile-latency"
      />
      <Tile
        label="DLQ depth"
        value={formatNumber(health.dlqDepth)}
        href="/dlq?status=unresolved"
        tone={health.dlqDepth > 0 ? 'warn' : undefined}
        testid="tile-dlq"
      />
      <Tile
        label={stuckLabel(health, Date.now())}
        value={formatNumber(health.stuckSagas)}
        href="/sagas?state=STUCK"
        tone={health.stuckSagas > 0 ? 'bad' : undefined}
        testid="tile-stuck"
      />
      <Tile
        label="Firing alerts"
        value={formatNumber(health.firingAlerts)}
        href="/alerts"
        tone={health.firingAlerts > 0 ? 'bad' : undefined}
        testid="tile-alerts"
      />
      <Tile
        label={
          health.recordsIndexing > 0
            ? `Records stored (+${formatNumber(health.recordsIndexing)} indexing)`
            : 'Records stored'
        }
        value={formatNumber(health.recordsStored)}
        href="/tail"
        tone={health.recordsIndexing > 100_000 ? 'warn' : undefined}
        testid="tile-records"
      />
    </div>
  );
}
