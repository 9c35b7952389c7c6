import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Registry } from 'prom-client';
import { silentLogger } from '../../lib/logger.ts';
import { uniqueName } from '../../lib/testing/wait-for.ts';
import { createCollectorMetrics } from '../metrics/registry.ts';
import { startTestCollector } from '../testing.ts';
import { replayRaceArb, runReplayRace, type ReplayRaceEnv } from '../testing-replay.ts';
import { createReplayer } from './replay.ts';

// Concurrent replays of one dead letter with different keys, on the embedded bus: the loop guard
// holds however many arrive at once (the same race against the real broker is in
// replay.int.test.ts).

const TOKEN = 'operator-token-replay';
const MAX = 3;

describe('replay loop guard under concurrent requests (embedded bus)', () => {
  let env: ReplayRaceEnv;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const ns = uniqueName('race');
    const t = await startTestCollector({
      env: { OPERATOR_TOKEN: TOKEN, REPLAY_MAX_COUNT: String(MAX) },
    });
    stop = t.stop;
    // The collector's own store and bus; a replayer of its own so the test can call it directly.
    const replayer = createReplayer({
      bus: t.bus,
      store: t.collector.store,
      logger: silentLogger(),
      metrics: createCollectorMetrics(new Registry(), { store: t.collector.store, now: Date.now }),
      maxReplays: MAX,
      now: Date.now,
    });
    env = {
      bus: t.bus,
      api: t.api,
      token: TOKEN,
      originTopic: `${ns}.commands`,
      dlqTopic: `${ns}.commands-dlt`,
      maxReplays: MAX,
      request: async (id, key) => (await replayer.replay(id, key, 'operator')).replay,
    };
    await t.bus.admin.createTopics([
      { topic: env.originTopic, numPartitions: 2 },
      { topic: env.dlqTopic, numPartitions: 1 },
    ]);
  });
  afterAll(() => stop());

  it('produces at most the remaining allowance, and the stored count equals what was produced', async () => {
    await fc.assert(
      fc.asyncProperty(replayRaceArb(MAX), (race) => runReplayRace(env, race)),
      { numRuns: 25 },
    );
  });

  it('three requests at once on an entry at count 2 produce exactly one replay', async () => {
    await runReplayRace(env, { start: 2, keys: ['tab-one-1', 'tab-two-2', 'tab-three-3'] });
  });
});
