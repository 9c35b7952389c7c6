import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaBus } from '../../lib/bus/index.ts';
import { uniqueName } from '../../lib/testing/wait-for.ts';
import { shopTopicSpecs } from '../../shop-services/contract-extra.ts';
import { sharedBrokers } from './support/env.ts';
import { startNodeProcess, stopAllProcesses, type NodeProcess } from './support/node-process.ts';

// Shutdown never hangs: real processes on the real broker, signalled while a handler is held. The
// shop's stall fault holds the orchestrator's batch (it heartbeats and waits for the fault to go);
// SIGTERM / SIGINT must still end the process within 10 s, gracefully (exit 0, the consumers
// leave their groups). A request whose body never finishes holds the HTTP server's close: the
// graceful stop cannot end, so the deadline does, with a log line; and a second signal at once.

/** What Docker and Kubernetes wait between SIGTERM and SIGKILL. */
const GRACE_MS = 10_000;

const dirs: string[] = [];
const namespaces: string[] = [];

function shopEnv(namespace: string): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-faults-shutdown-'));
  dirs.push(dir);
  namespaces.push(namespace);
  return {
    KAFKA_BROKERS: sharedBrokers.join(','),
    DATA_DIR: dir,
    SHOP_NAMESPACE: namespace,
    ORDER_PORT: '0',
    FAULT_PAYMENT_DECLINE_RATE: '0',
    FAULT_INVENTORY_SHORTAGE_RATE: '0',
    FAULT_POISON_RATE: '0',
    FAULT_TRANSIENT_ERROR_RATE: '0',
    SHOP_SESSION_TIMEOUT_MS: '6000',
  };
}

async function placeOrder(shopUrl: string): Promise<void> {
  const res = await fetch(`${shopUrl}/orders`, {
    method: 'POST',
    body: JSON.stringify({
      customerId: uniqueName('shutdown'),
      items: [{ sku: 'sku-1', qty: 1, price: 10 }],
      currency: 'EUR',
      paymentMethod: 'card',
    }),
  });
  expect(res.status, await res.text()).toBe(202);
}

/** Sends `signal` and resolves with the exit code and the milliseconds until the exit. */
async function signalAndTime(p: NodeProcess, signal: NodeJS.Signals) {
  const t0 = performance.now();
  p.child.kill(signal);
  const code = await Promise.race([
    p.exited,
    // Far past the bound: report it as a failure rather than hang the suite.
    new Promise<number>((resolve) => setTimeout(() => resolve(-1), 3 * GRACE_MS)),
  ]);
  return { code, ms: performance.now() - t0 };
}

/** A POST whose body never arrives in full: the server's close waits for it. */
function openSlowRequest(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        'POST /orders HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"cust',
      );
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

describe.skipIf(!sharedBrokers.length)('shutdown under a held handler (Kafka)', () => {
  const sockets: Socket[] = [];

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await stopAllProcesses();
    const bus = createKafkaBus({ brokers: sharedBrokers, clientId: 'faults-shutdown-cleanup' });
    const topics = namespaces.flatMap((ns) => shopTopicSpecs(ns, 1).map((s) => s.topic));
    await bus.admin.deleteTopics(topics).catch(() => undefined);
    await bus.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the all-in-one exits gracefully within 10 s of SIGTERM while the stall fault holds a batch', async () => {
    const ns = `${uniqueName('sd-aio')}.`;
    const p = startNodeProcess(['scripts/start.ts', '--no-console'], {
      ...shopEnv(ns),
      COLLECTOR_PORT: '0',
      OTLP_PORT: '0',
      COLLECTOR_GROUP_ID: `${ns}collector`,
      COLLECTOR_TOPIC_INCLUDE: `${ns.replace(/[.]/g, '\\.')}.*`,
      COLLECTOR_NATIVE_ALERTS: 'false',
      FAULT_STALL_CONSUMER: 'true',
    });
    const [, shopUrl] = await p.waitForOutput(/"shop":"(http:[^"]+)"/, 'the all-in-one to start', 90_000);
    await placeOrder(shopUrl!);
    await p.waitForOutput(/stall fault: holding a batch/, 'a consumer to hold a batch');

    const { code, ms } = await signalAndTime(p, 'SIGTERM');
    expect(ms, p.output().split('\n').slice(-20).join('\n')).toBeLessThanOrEqual(GRACE_MS);
    expect(p.output()).toContain('"msg":"stopping"');
    // Graceful, not cut short: the held batch ended when the stop began.
    expect(p.output()).not.toContain('shutdown did not finish');
    expect(code).toBe(0);
  }, 150_000);

  it('a shop process exits gracefully within 10 s of SIGINT while the stall fault holds a batch', async () => {
    const ns = `${uniqueName('sd-shop')}.`;
    const p = startNodeProcess(['shop-services/main.ts'], {
      ...shopEnv(ns),
      SHOP_SERVICE: 'all',
      FAULT_STALL_CONSUMER: 'true',
    });
    const [, shopUrl] = await p.waitForOutput(
      /"url":"(http:[^"]+)"[^\n]*"msg":"listening"/,
      'the shop to start',
    );
    await placeOrder(shopUrl!);
    await p.waitForOutput(/stall fault: holding a batch/, 'a consumer to hold a batch');

    const { code, ms } = await signalAndTime(p, 'SIGINT');
    expect(ms, p.output().split('\n').slice(-20).join('\n')).toBeLessThanOrEqual(GRACE_MS);
    expect(p.output()).not.toContain('shutdown did not finish');
    expect(code).toBe(0);
  }, 150_000);

  it('a stop that cannot finish is cut short by the deadline, with a log line', async () => {
    const ns = `${uniqueName('sd-deadline')}.`;
    const p = startNodeProcess(['shop-services/main.ts'], { ...shopEnv(ns), SHOP_SERVICE: 'order' });
    const [, shopUrl] = await p.waitForOutput(
      /"url":"(http:[^"]+)"[^\n]*"msg":"listening"/,
      'the shop to start',
    );
    sockets.push(await openSlowRequest(shopUrl!));

    const { code, ms } = await signalAndTime(p, 'SIGTERM');
    expect(ms).toBeLessThanOrEqual(GRACE_MS);
    expect(p.output()).toContain('shutdown did not finish within');
    expect(code).toBe(1);
  }, 150_000);

  it('a second signal exits at once while the first stop is still waiting', async () => {
    const ns = `${uniqueName('sd-second')}.`;
    const p = startNodeProcess(['shop-services/main.ts'], { ...shopEnv(ns), SHOP_SERVICE: 'order' });
    const [, shopUrl] = await p.waitForOutput(
      /"url":"(http:[^"]+)"[^\n]*"msg":"listening"/,
      'the shop to start',
    );
    sockets.push(await openSlowRequest(shopUrl!));
    p.child.kill('SIGTERM');
    await p.waitForOutput(/"msg":"stopping"/, 'the first signal to start the stop', 5_000);

    const { code, ms } = await signalAndTime(p, 'SIGTERM');
    // At once: far below the deadline the first stop would have run into.
    expect(ms).toBeLessThanOrEqual(1_500);
    expect(p.output()).toContain('second signal: exiting now');
    expect(p.output()).not.toContain('shutdown did not finish');
    expect(code).toBe(1);
  }, 150_000);
});
