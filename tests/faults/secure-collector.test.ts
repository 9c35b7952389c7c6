import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, loadCollectorConfig, type Collector } from '../../collector/index.ts';
import { createSqliteStore } from '../../collector/store/sqlite/index.ts';
import { allFlowTopics, flowTopics, orderFlow } from '../../collector/testing-flows.ts';
import { chainSchema } from '../../lib/api/chains.ts';
import { consumerGroupSchema } from '../../lib/api/consumers.ts';
import { recordDetailSchema } from '../../lib/api/records.ts';
import { healthSchema } from '../../lib/api/topology.ts';
import { createBusFromEnv, type Bus } from '../../lib/bus/index.ts';
import { silentLogger } from '../../lib/logger.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { repoRoot, sharedBrokers } from './support/env.ts';

// The collector against the shared broker's SASL_SSL listener (seed 001 Stage 2), configured the
// way an operator would: the env that `kafka.sh env-secure` prints (TLS with the harness CA,
// SCRAM-SHA-512), parsed by the collector's own config schema, turned into a bus by
// createBusFromEnv. Records produced over SASL_SSL must be ingested, derived and served, and the
// lag monitor's admin calls must work over the same listener.

const SECURE_VARS = [
  'KAFKA_BROKERS',
  'KAFKA_SSL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
] as const;

/** `source <(kafka.sh env-secure)` in bash, read back NUL-separated so quoting cannot bite. */
function secureEnv(): Record<string, string> {
  const script = `set -euo pipefail; eval "$(bash docker/kafka-local/kafka.sh env-secure)"; for v in ${SECURE_VARS.join(' ')}; do printf '%s\\0%s\\0' "$v" "\${!v}"; done`;
  const out = execFileSync('bash', ['-c', script], { cwd: repoRoot, encoding: 'utf8' }).split('\0');
  const env: Record<string, string> = {};
  for (let i = 0; i + 1 < out.length; i += 2) env[out[i]!] = out[i + 1]!;
  return env;
}

describe.skipIf(!sharedBrokers.length)('collector over SASL_SSL (shared broker, secure listener)', () => {
  const ns = uniqueName('faults-secure');
  const topics = flowTopics(`${ns}.`);
  const groupId = uniqueName('faults-secure-collector');
  let env: Record<string, string>;
  let collectorBus: Bus;
  let producerBus: Bus;
  let collector: Collector | undefined;

  beforeAll(async () => {
    env = secureEnv();
    const config = loadCollectorConfig({
      ...env,
      COLLECTOR_PORT: '0',
      OTLP_PORT: '0',
      LOG_LEVEL: 'silent',
      COLLECTOR_GROUP_ID: groupId,
      COLLECTOR_TOPIC_INCLUDE: `${ns}\\..*`,
      COLLECTOR_NATIVE_ALERTS: 'false',
      LAG_POLL_INTERVAL_MS: '2000',
      COLLECTOR_SESSION_TIMEOUT_MS: '10000',
    });
    collectorBus = createBusFromEnv(config, undefined, 'faults-secure-collector');
    producerBus = createBusFromEnv(config, undefined, 'faults-secure-producer');
    await producerBus.admin.createTopics(allFlowTopics(topics));
    collector = createCollector({
      bus: collectorBus,
      config,
      logger: silentLogger(),
      store: createSqliteStore({ path: ':memory:' }),
    });
    await collector.start();
  });
  afterAll(async () => {
    await collector?.stop();
    await collector?.store.close();
    await producerBus?.admin.deleteTopics(allFlowTopics(topics).map((t) => t.topic)).catch(() => undefined);
    await Promise.all([collectorBus?.close(), producerBus?.close()]);
  });

  const api = async (path: string) => {
    const res = await fetch(`${collector!.apiUrl}${path}`);
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('is configured for the SASL_SSL listener, not the plain one', () => {
    expect(env.KAFKA_BROKERS).not.toBe(sharedBrokers.join(','));
    expect(env).toMatchObject({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    expect(env.KAFKA_SSL_CA_FILE).toMatch(/ca\.pem$/);
    expect(collectorBus.kind).toBe('kafka');
  });

  it('ingests records produced over SASL_SSL and serves them, their chain and its lag', async () => {
    const flow = orderFlow({ topics });
    const meta = await producerBus.produce(flow.records);
    const chain = await waitFor(
      async () => {
        const r = await api(`/api/chains/${flow.orderId}`);
        const c = r.status === 200 ? chainSchema.parse(r.body) : undefined;
        if (c?.status === 'complete' && c.records.length === flow.records.length) return c;
        // Said on a timeout: how far the chain got and what the collector's ingest reports.
        const h = healthSchema.parse((await api('/api/health')).body);
        throw new Error(
          `chain ${c ? `${c.status}, ${c.records.length} of ${flow.records.length} records` : `HTTP ${r.status}`}; ` +
            `collector: busConnected ${h.busConnected}, busError ${h.busError ?? '-'}, stored ${h.recordsStored}, indexing ${h.recordsIndexing}`,
        );
      },
      // Generous: this file runs after the broker-restart test on a loaded machine.
      { what: 'the complete chain over SASL_SSL', timeoutMs: 120_000, intervalMs: 200 },
    );
    expect(chain.flow).toBe('order-fulfilment');
    for (const [i, m] of meta.entries()) {
      const r = await api(`/api/records/${m.topic}:${m.partition}:${m.offset}`);
      expect(r.status).toBe(200);
      const d = recordDetailSchema.parse(r.body);
      expect(d.valueText).toBe(String(flow.records[i]!.value));
    }
    expect(healthSchema.parse((await api('/api/health')).body)).toMatchObject({
      bus: 'kafka',
      busConnected: true,
    });
    // The lag monitor reads groups and offsets through the same authenticated admin client.
    const group = await waitFor(
      async () => {
        const r = await api(`/api/consumers/${groupId}`);
        const g = r.status === 200 ? consumerGroupSchema.parse(r.body) : undefined;
        return g && g.partitions.length > 0 && g.totalLag === 0 && g;
      },
      // Generous: on a shared broker a topic deleted mid-poll stalls a lag poll for ~40 s
      // (the client retries the unknown topic's offsets), which other tests' cleanup can cause.
      { what: 'the collector group in the lag view, caught up', timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(group.partitions.every((p) => p.topic.startsWith(`${ns}.`))).toBe(true);
  });
});
