import type { Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait-for.ts';
import type { KafkaClients } from './kafka-clients.ts';
import { createKafkaConsumer } from './kafka-consumer.ts';

// What kafkajs leaves to its user after a crash: it restarts a member itself only when it judges
// the error retriable, and says so in the CRASH event (`restart`). A member it gave up on must
// rejoin, or its partitions are read by no one until the process restarts. kafkajs itself stands
// in here (the crash cannot be had on demand from a real broker); the real broker's restart is
// tests/faults/broker-restart.test.ts.

type Listener = (e: { payload: Record<string, unknown> }) => void;

/** A kafkajs consumer as far as the adapter uses it, whose crash the test raises. */
function fakeConsumer(o: { failConnect?: boolean } = {}) {
  const listeners = new Map<string, Listener[]>();
  const calls: string[] = [];
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
    on(event: string, fn: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
      return () => undefined;
    },
    connect: () =>
      o.failConnect
        ? Promise.reject(new Error('broker unreachable'))
        : Promise.resolve(void calls.push('connect')),
    subscribe: () => Promise.resolve(void calls.push('subscribe')),
    run: () => Promise.resolve(void calls.push('run')),
    disconnect: () => Promise.resolve(void calls.push('disconnect')),
    pause: () => void calls.push('pause'),
    commitOffsets: () => Promise.resolve(),
    seek: () => undefined,
  };
  return {
    consumer: consumer as unknown as Consumer,
    calls,
    crash(restart: boolean) {
      for (const fn of listeners.get(consumer.events.CRASH) ?? [])
        fn({ payload: { error: new Error('The coordinator is not aware of this member'), restart } });
    },
  };
}

function setup(o: { topics?: () => string[]; failConnect?: (n: number) => boolean } = {}) {
  const made: ReturnType<typeof fakeConsumer>[] = [];
  const clients = {
    log: undefined,
    consumerClient: () => ({
      consumer: () => {
        const f = fakeConsumer({ failConnect: o.failConnect?.(made.length) });
        made.push(f);
        return f.consumer;
      },
    }),
    rawBatchOf: () => null,
  } as unknown as KafkaClients;
  const bus = createKafkaConsumer(
    { clients, topicsMatching: () => Promise.resolve(o.topics?.() ?? []), onRunning: () => undefined },
    o.topics ? { groupId: 'g', topicPattern: /^t/, topicRefreshMs: 20 } : { groupId: 'g', topics: ['t'] },
  );
  return { bus, made };
}

describe('a Kafka consumer after a crash', () => {
  it('rejoins when kafkajs will not restart it', async () => {
    const { bus, made } = setup();
    await bus.run(() => Promise.resolve());
    expect(made).toHaveLength(1);
    made[0]!.crash(false);
    await waitFor(() => made.length === 2 && made[1]!.calls.includes('run'), {
      what: 'a new member running',
      timeoutMs: 5_000,
    });
    expect(made[0]!.calls.at(-1)).toBe('disconnect');
    await bus.stop();
    expect(made[1]!.calls.at(-1)).toBe('disconnect');
  });

  it('leaves a restart to kafkajs when it restarts the member itself', async () => {
    const { bus, made } = setup();
    await bus.run(() => Promise.resolve());
    made[0]!.crash(true);
    await bus.stop();
    expect(made).toHaveLength(1);
  });

  it('rejoins when a rejoin for new topics fails to start its member', async () => {
    let topics = ['t1'];
    // The member for the new topic list cannot connect (the broker just went away).
    const { bus, made } = setup({ topics: () => topics, failConnect: (n) => n === 1 });
    await bus.run(() => Promise.resolve());
    topics = ['t1', 't2'];
    await waitFor(() => made.length === 3 && made[2]!.calls.includes('run'), {
      what: 'a member running after the failed one',
      timeoutMs: 5_000,
    });
    await bus.stop();
  });

  it('stops at once while it waits to rejoin', async () => {
    const { bus, made } = setup();
    await bus.run(() => Promise.resolve());
    made[0]!.crash(false);
    const t0 = performance.now();
    await bus.stop();
    // Not the second's pause before a rejoin: cut short by the stop.
    expect(performance.now() - t0).toBeLessThan(900);
    expect(made).toHaveLength(1);
  });
});
