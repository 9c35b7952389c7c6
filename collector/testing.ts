import { createEmbeddedBus } from '../lib/bus/embedded.ts';
import type { Bus } from '../lib/bus/types.ts';
import { silentLogger } from '../lib/logger.ts';
import { loadCollectorConfig, type CollectorConfig } from './config.ts';
import { createCollector, type Collector, type CollectorDeps } from './index.ts';
import { createSqliteStore } from './store/sqlite/index.ts';
import { createTestPgDatabase } from './store/postgres/testing.ts';
import type { Store } from './store/types.ts';

// Test helpers: a collector on ephemeral ports with an in-memory store, and a typed fetch.
// COLLECTOR_TEST_PG_URL=postgres://… runs the same tests on a fresh PostgreSQL database per
// collector instead (dropped on stop), e.g. the business flows against the shared store.

export function testConfig(env: Record<string, string> = {}): CollectorConfig {
  return loadCollectorConfig({
    COLLECTOR_PORT: '0',
    OTLP_PORT: '0',
    LOG_LEVEL: 'silent',
    MAINTENANCE_INTERVAL_MS: '200',
    LAG_POLL_INTERVAL_MS: '500',
    ...env,
  });
}

export async function startTestCollector(
  opts: { bus?: Bus; env?: Record<string, string>; deps?: Partial<CollectorDeps> } = {},
): Promise<{
  collector: Collector;
  bus: Bus;
  api: (path: string, init?: RequestInit) => Promise<{ status: number; body: unknown }>;
  stop: () => Promise<void>;
}> {
  // Time retention off: tests write records with old and future broker timestamps on purpose.
  const bus = opts.bus ?? createEmbeddedBus({ retentionMs: 1000 * 365 * 86_400_000 });
  const pg = process.env.COLLECTOR_TEST_PG_URL
    ? await createTestPgDatabase(process.env.COLLECTOR_TEST_PG_URL)
    : undefined;
  const store: Store = pg ? await pg.open() : createSqliteStore({ path: ':memory:' });
  const collector = createCollector({
    bus,
    config: testConfig(opts.env),
    logger: silentLogger(),
    store,
    lag: null,
    ...opts.deps,
  });
  await collector.start();
  const api = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${collector.apiUrl}${path}`, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body };
  };
  const stop = async () => {
    await collector.stop();
    await collector.store.close();
    await pg?.drop();
    if (!opts.bus) await bus.close();
  };
  return { collector, bus, api, stop };
}
