import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaBus, type Bus } from '../lib/bus/index.ts';
import { headerString } from '../lib/events/index.ts';
import { waitFor } from '../lib/testing/wait-for.ts';
import { NO_RANDOM_FAULTS, orderFor, startTestShop, type TestShop } from './testing/harness.ts';

// Acceptance: kill the payment service (SIGKILL, a separate process in Kafka mode) in the middle
// of a run of orders and start it again. No order may be lost, and no order may be charged twice:
// every order ends confirmed or cancelled, confirmed ones hold exactly one authorisation, cancelled
// ones hold no unrefunded charge, and payment.events never shows two payment ids for one order.

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(!brokers.length)('payment service killed and restarted mid-load (kafka)', () => {
  let bus: Bus;
  let t: TestShop;
  let payment: ChildProcess | undefined;
  let output = '';

  const startPayment = () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: brokers.join(','),
      SHOP_SERVICE: 'payment',
      SHOP_NAMESPACE: t.namespace,
      DATA_DIR: t.root,
      SERVICE_PORT: '0',
      LOG_LEVEL: 'info',
      FAULT_PAYMENT_DECLINE_RATE: '0.1',
      FAULT_POISON_RATE: '0',
      FAULT_TRANSIENT_ERROR_RATE: '0',
    };
    // The child must not export spans to whatever collector the test runner's environment names.
    delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const child = spawn(process.execPath, ['shop-services/main.ts'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    payment = child;
    return child;
  };
  const charges = () => Number(t.db('payment').prepare('SELECT COUNT(*) AS n FROM payments').get()?.n ?? 0);

  beforeAll(async () => {
    bus = createKafkaBus({ brokers, clientId: 'payment-restart-test' });
    t = await startTestShop(bus, {
      services: ['order', 'orchestrator', 'inventory', 'shipping', 'notification', 'loyalty'],
      // Long enough that orders wait for the restarted payment service instead of timing out.
      env: { SHOP_STEP_DEADLINE_MS: '60000' },
    });
    t.shop.faults.update(NO_RANDOM_FAULTS);
  });
  afterAll(async () => {
    payment?.kill('SIGKILL');
    await t?.stop();
    await bus?.close();
  });

  it('loses no order and charges none twice', async () => {
    const started = startPayment();
    await waitFor(() => output.includes('shop started'), {
      what: `payment to start; output: ${output}`,
      timeoutMs: 30_000,
    });
    const ids: string[] = [];
    const placeSome = async (n: number) => {
      for (let i = 0; i < n; i++) {
        ids.push(await t.place(orderFor(`restart-${ids.length % 9}`)));
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await placeSome(20);
    await waitFor(
      () => {
        try {
          return charges() >= 5;
        } catch {
          return false; // the payment database may not exist yet
        }
      },
      { what: 'payments before the kill', timeoutMs: 30_000 },
    );
    started.kill('SIGKILL');
    await new Promise((r) => started.once('exit', r));
    await placeSome(20);
    startPayment();
    await placeSome(10);

    const states = await t.waitTerminal(ids, 80_000);
    expect(states).toHaveLength(50);
    for (const s of states) {
      const p = t.row(
        'payment',
        'SELECT status, charges, refunds FROM payments WHERE order_id = ?',
        s.orderId,
      );
      if (s.status === 'confirmed')
        expect(p, s.orderId).toMatchObject({ status: 'authorized', charges: 1, refunds: 0 });
      else expect(p?.charges ?? 0, s.orderId).toBe(p?.refunds ?? 0);
    }
    const paymentIds = new Map<string, Set<string>>();
    for (const r of t.records.filter(
      (x) => x.topic === t.topics.paymentEvents && headerString(x.headers, 'ce_type') === 'PaymentAuthorized',
    )) {
      const { orderId, paymentId } = JSON.parse(r.value!.toString()) as {
        orderId: string;
        paymentId: string;
      };
      paymentIds.set(orderId, (paymentIds.get(orderId) ?? new Set()).add(paymentId));
    }
    for (const [orderId, set] of paymentIds) expect(set.size, orderId).toBe(1);
    expect(states.filter((s) => s.status === 'confirmed').length).toBeGreaterThan(30);
  });
});
