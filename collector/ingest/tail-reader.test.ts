import { describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../lib/bus/embedded.ts';
import type { Bus, RecordBatch, TailOptions } from '../../lib/bus/types.ts';
import { silentLogger } from '../../lib/logger.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { createTailReader } from './tail-reader.ts';

/** A bus whose tail readers are counted; `failRuns` first runs reject. */
function countingBus(failRuns = 0) {
  const bus = createEmbeddedBus();
  const calls = { started: 0, stopped: 0, options: [] as TailOptions[] };
  let failures = failRuns;
  const tail: Bus['tail'] = (options) => {
    calls.options.push(options);
    const inner = bus.tail(options);
    return {
      run: async (onBatch) => {
        if (failures-- > 0) throw new Error('broker unreachable');
        await inner.run(onBatch);
        calls.started++;
      },
      stop: async () => {
        await inner.stop();
        calls.stopped++;
      },
    };
  };
  return { bus, tail, calls };
}

describe('tail reader', () => {
  it('reads every partition while someone watches, and stops a while after the last one left', async () => {
    const { bus, tail, calls } = countingBus();
    await bus.admin.createTopics([{ topic: 'ns.a', numPartitions: 2 }]);
    const got: RecordBatch[] = [];
    const reader = createTailReader({
      bus: { tail },
      topicPattern: /^ns\./,
      name: 'collectors',
      offer: (b) => got.push(b),
      logger: silentLogger(),
      idleMs: 20,
    });
    reader.watching(true);
    await waitFor(() => reader.running() && calls.started === 1, { what: 'reader started' });
    expect(calls.options[0]).toMatchObject({ name: 'collectors', rawBatches: true });
    await bus.produce([0, 1].map((partition) => ({ topic: 'ns.a', partition, value: 'v' })));
    await waitFor(() => got.length === 2, { what: 'both partitions read' });
    reader.watching(false);
    await waitFor(() => !reader.running() && calls.stopped === 1, { what: 'stopped once idle' });
    reader.watching(true);
    await waitFor(() => calls.started === 2, { what: 'started again' });
    await reader.stop();
    expect([calls.started, calls.stopped, reader.running()]).toEqual([2, 2, false]);
    await bus.close();
  });

  it('keeps its reader when someone comes back within the idle time, and retries a failed start', async () => {
    const { bus, tail, calls } = countingBus(2);
    const reader = createTailReader({
      bus: { tail },
      topicPattern: /^ns\./,
      name: 'collectors',
      offer: () => undefined,
      logger: silentLogger(),
      idleMs: 60_000,
      retryMs: 10,
    });
    reader.watching(true);
    await waitFor(() => calls.started === 1, { what: 'started after two failed attempts' });
    expect(calls.options).toHaveLength(3);
    reader.watching(false);
    reader.watching(true);
    await reader.stop();
    expect([calls.options.length, calls.started, calls.stopped]).toEqual([3, 1, 3]);
    await bus.close();
  });
});
