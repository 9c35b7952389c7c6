import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCollector, loadCollectorConfig, type Collector } from '../../collector/index.ts';
import { consumerGroupsSchema } from '../../lib/api/consumers.ts';
import { sagasPageSchema } from '../../lib/api/sagas.ts';
import { healthSchema } from '../../lib/api/topology.ts';
import { createKafkaBus, type Bus } from '../../lib/bus/index.ts';
import { headerString } from '../../lib/events/headers.ts';
import { TERMINAL_SAGA_STATES } from '../../lib/events/shop-events.ts';
import { silentLogger } from '../../lib/logger.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import {
  orderFor,
  startTestShop,
  type OrderState,
  type TestShop,
} from '../../shop-services/testing/harness.ts';
import { SHOP_SERVICE_NAMES } from '../../shop-services/index.ts';
import { sharedBrokers, sleep } from './support/env.ts';
import { startPrivateBroker, type PrivateBroker } from './support/private-broker.ts';
import { logConsumerCrashes, logOutcome, type LagSample } from './support/restart-diagnostics.ts';

// The broker goes away under load and comes back (kafka.sh down, then up on the same data dir)
// while the shop takes ~20 orders/s and the collector watches. Nothing is restarted but the
// broker: services and collector must reconnect by themselves. Afterwards every order is
// confirmed or cancelled, no order is charged twice or refunded without being cancelled, the
// collector holds a terminal saga for every order, and its lag view showed the backlog the outage
// left and then saw it drain.
//
// Runs on a broker of its own (free ports, temp dir): the shared one must never be restarted.

const RATE_PER_SEC = 20;
const LOAD_MS = 20_000;
/** The broker goes down this far into the load; it takes ~15 s (more on a busy machine) to come back. */
const OUTAGE_AFTER_MS = 5_000;
/** Orders placed once the broker is back, in case the load ended during the outage. */
const ORDERS_AFTER_RESTART = 20;

const paymentAuthorized = z.object({ orderId: z.string(), paymentId: z.string() });

// Skipped with the other Kafka files when there is no Kafka tooling set up at all (KAFKA_BROKERS
// unset); the broker it uses is its own.
describe.skipIf(!sharedBrokers.length)('broker restart under load (private broker)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-faults-restart-'));
  let broker: PrivateBroker | undefined;
  let shopBus: Bus | undefined;
  let collectorBus: Bus | undefined;
  let shop: TestShop | undefined;
  let collector: Collector | undefined;

  // What the Kafka clients complained about (warn and up), to explain a failure.
  const clientLines: string[] = [];
  const clientLog = (who: string) =>
    pino({ level: 'warn', base: { who } }, { write: (line: string) => void clientLines.push(line) });

  beforeAll(async () => {
    broker = await startPrivateBroker();
    const brokers = [broker.bootstrap];
    // Separate clients, as separate processes would have.
    shopBus = createKafkaBus({ brokers, clientId: 'faults-restart-shop', logger: clientLog('shop') });
    collectorBus = createKafkaBus({
      brokers,
      clientId: 'faults-restart-collector',
      logger: clientLog('collector'),
    });
    shop = await startTestShop(shopBus, {
      // Steps wait long enough that an order in flight when the broker leaves is not always
      // compensated, but some are: both paths must end without a double charge.
      env: { SHOP_STEP_DEADLINE_MS: '8000' },
    });
    collector = createCollector({
      bus: collectorBus,
      config: loadCollectorConfig({
        KAFKA_BROKERS: broker.bootstrap,
        COLLECTOR_PORT: '0',
        OTLP_PORT: '0',
        LOG_LEVEL: 'silent',
        COLLECTOR_DB_PATH: join(dir, 'collector.db'),
        COLLECTOR_NATIVE_ALERTS: 'false',
        LAG_POLL_INTERVAL_MS: '1000',
        MAINTENANCE_INTERVAL_MS: '500',
        COLLECTOR_SESSION_TIMEOUT_MS: '10000',
      }),
      logger: silentLogger(),
    });
    await collector.start();
  });
  afterAll(async () => {
    // Each step on its own: a failure in one must not leave the broker or a process running.
    const steps: (() => Promise<unknown> | undefined)[] = [
      () => collector?.stop(),
      () => shop?.stop(),
      () => collectorBus?.close(),
      () => shopBus?.close(),
      () => broker?.destroy(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch((err: unknown) => console.error(err));
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (path: string) => {
    const res = await fetch(`${collector!.apiUrl}${path}`);
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('loses no order, charges none twice, ends every saga, and shows the lag and its recovery', async () => {
    const t = shop!;
    const b = broker!;
    const isShopGroup = (id: string) => id.startsWith(t.namespace) && id.endsWith('-service');

    // The lag view, sampled throughout.
    const samples: LagSample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const r = await api('/api/consumers').catch(() => undefined);
        if (r?.status === 200)
          samples.push({ at: Date.now(), groups: consumerGroupsSchema.parse(r.body).items });
        await sleep(500);
      }
    })();

    // Open model: one order every 1/RATE s whatever the answers take, as real customers would,
    // paced against the clock so slow answers or timer drift do not lower the rate.
    const placed: Promise<string | Error>[] = [];
    let stopLoad = false;
    const placeAtRate = async (ms: number) => {
      const start = Date.now();
      for (let i = 0; Date.now() - start < ms && !stopLoad; i++) {
        placed.push(t.place(orderFor(`restart-${placed.length % 23}`)).catch((err: unknown) => err as Error));
        await sleep(start + ((i + 1) * 1000) / RATE_PER_SEC - Date.now());
      }
    };
    const loadStart = Date.now();
    const load = placeAtRate(LOAD_MS);

    try {
      await sleep(OUTAGE_AFTER_MS);
      const outageStart = Date.now();
      await b.down();
      const downAt = Date.now();
      // While the broker is away, orders are still taken: they wait in the order service's outbox.
      const backlog = await waitFor(
        () => {
          const n = Number(t.row('order', 'SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL')?.n ?? 0);
          return n >= RATE_PER_SEC && n;
        },
        { what: 'orders to pile up in the outbox while the broker is down', timeoutMs: 10_000 },
      );
      await b.up();
      const outageEnd = Date.now();
      await load;
      await placeAtRate((ORDERS_AFTER_RESTART * 1000) / RATE_PER_SEC);
      const answers = await Promise.all(placed);
      expect(answers.filter((a) => a instanceof Error).map(String), 'orders refused').toEqual([]);
      const ids = answers.filter((a): a is string => typeof a === 'string');
      console.info(
        `broker-restart: ${ids.length} orders; down at ${outageStart - loadStart} ms into the load, took ` +
          `${downAt - outageStart} ms, up ${outageEnd - downAt} ms; outbox backlog ${backlog}`,
      );
      expect(ids.length).toBeGreaterThanOrEqual((LOAD_MS / 1000) * RATE_PER_SEC * 0.9);

      // Every order reached a terminal state, through services that were never restarted.
      const states = await t.waitTerminal(ids, 120_000);
      logOutcome(t, states, samples.at(-1));
      // Money is final only once the shop is quiet: a refund the orchestrator is still re-sending
      // (the saga stays COMPENSATING until it is confirmed) may settle after the sagas look done.
      await waitQuiet(t, samples);
      expectNoDoubleCharge(t, states);
      await expectTerminalSagas(ids.length);
      expect(healthSchema.parse((await api('/api/health')).body).busConnected).toBe(true);

      // The lag view saw the gap the outage left in some shop group, and (waitQuiet) saw it close.
      const peak = Math.max(
        0,
        ...samples
          .filter((s) => s.at >= outageStart)
          .flatMap((s) => s.groups.filter((g) => isShopGroup(g.groupId)).map((g) => g.totalLag)),
      );
      console.info(`broker-restart: peak shop-group lag after the outage began: ${peak}`);
      expect(peak).toBeGreaterThan(0);
      expect(samples.filter((s) => s.at > outageEnd).length).toBeGreaterThan(0);
    } finally {
      logConsumerCrashes(clientLines);
      stopLoad = true;
      sampling = false;
      await Promise.all([load, sampler]);
    }
  });

  /** Every outbox of the shop empty, then a lag poll after that showing every shop group at zero. */
  async function waitQuiet(t: TestShop, samples: readonly LagSample[]) {
    let emptySince = Infinity;
    await waitFor(
      () => {
        const unsent = SHOP_SERVICE_NAMES.reduce(
          (n, s) => n + Number(t.row(s, 'SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL')?.n ?? 0),
          0,
        );
        if (unsent > 0) {
          emptySince = Infinity;
          return false;
        }
        emptySince = Math.min(emptySince, Date.now());
        const groups = samples.at(-1)?.groups.filter((g) => g.groupId.startsWith(t.namespace)) ?? [];
        return (
          groups.length >= 2 * SHOP_SERVICE_NAMES.length - 1 &&
          groups.every((g) => g.polledAt > emptySince && g.totalLag === 0)
        );
      },
      {
        what: 'the shop to go quiet (empty outboxes, zero lag in every group)',
        timeoutMs: 90_000,
        intervalMs: 250,
      },
    );
  }

  /** Confirmed orders hold exactly one authorisation; cancelled ones were refunded what they were charged. */
  function expectNoDoubleCharge(t: TestShop, states: readonly OrderState[]) {
    for (const s of states) {
      const p = t.payment(s.orderId);
      if (s.status === 'confirmed')
        expect(p, s.orderId).toMatchObject({ status: 'authorized', charges: 1, refunds: 0 });
      else expect(p?.charges ?? 0, s.orderId).toBe(p?.refunds ?? 0);
      expect(p?.charges ?? 0, s.orderId).toBeLessThanOrEqual(1);
    }
    // And payment.events never announced two different payments for one order.
    const paymentIds = new Map<string, Set<string>>();
    for (const r of t.records) {
      if (r.topic !== t.topics.paymentEvents || headerString(r.headers, 'ce_type') !== 'PaymentAuthorized')
        continue;
      const { orderId, paymentId } = paymentAuthorized.parse(JSON.parse(r.value!.toString()));
      paymentIds.set(orderId, (paymentIds.get(orderId) ?? new Set()).add(paymentId));
    }
    for (const [orderId, set] of paymentIds) expect(set.size, orderId).toBe(1);
  }

  /** The collector, never restarted either, ends with a terminal order saga for every order. */
  async function expectTerminalSagas(orders: number) {
    let counts: { type: string; state: string; count: number }[] = [];
    await waitFor(
      async () => {
        counts = sagasPageSchema.parse((await api('/api/sagas?limit=1')).body).counts;
        const total = counts.filter((c) => c.type === 'order-fulfilment').reduce((n, c) => n + c.count, 0);
        const open = counts
          .filter((c) => !TERMINAL_SAGA_STATES.has(c.state))
          .reduce((n, c) => n + c.count, 0);
        return total === orders && open === 0;
      },
      { what: `${orders} order sagas, all terminal, in the collector`, timeoutMs: 60_000, intervalMs: 500 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; saga counts ${JSON.stringify(counts)}`);
    });
  }
});
