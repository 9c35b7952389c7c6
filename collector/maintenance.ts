import type { Logger } from '../lib/logger.ts';
import type { CollectorConfig } from './config.ts';
import type { CollectorMetrics } from './metrics/registry.ts';
import type { IngestEngine } from './engine/index.ts';

// Periodic work that no record triggers: sagas whose deadline passed become STUCK, and retention
// removes old rows in bounded steps (a large backlog drains over several ticks, never in one
// long transaction that would stall ingest).

const MAX_DELETES_PER_TICK = 5000;

export function createMaintenance(deps: {
  engine: IngestEngine;
  metrics: CollectorMetrics;
  config: CollectorConfig;
  logger: Logger;
  now: () => number;
}) {
  const { engine, config, now } = deps;
  const log = deps.logger.child({ component: 'maintenance' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function tick() {
    // One step in the engine, serialised with ingest: STUCK sweep, then bounded retention.
    const { stuck, removed } = await engine.maintain({
      olderThan: now() - config.RETENTION_HOURS * 3600_000,
      maxRecords: config.RETENTION_MAX_RECORDS,
      maxDeletes: MAX_DELETES_PER_TICK,
    });
    for (const t of stuck) deps.metrics.sagaTransitions.inc({ saga_type: t.type, state: t.state });
    if (stuck.length) log.info({ count: stuck.length }, 'sagas passed their deadline: STUCK');
    if (removed.records || removed.spans) log.debug(removed, 'retention removed old data');
  }

  const runOnce = () => {
    running ??= tick()
      .catch((err: unknown) => log.error({ err }, 'maintenance tick failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  return {
    tick: runOnce,
    start() {
      timer ??= setInterval(() => void runOnce(), config.MAINTENANCE_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
