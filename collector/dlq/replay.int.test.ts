import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createKafkaBus } from '../../lib/bus/kafka.ts';
import type { Bus } from '../../lib/bus/types.ts';
import { uniqueName } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';
import { replayRaceArb, runReplayRace, type ReplayRaceEnv } from '../testing-replay.ts';

// Concurrent replays of one dead letter with different keys, through the HTTP API against the
// real broker: however many requests arrive at once, the origin topic receives at most the loop
// guard's remaining allowance and the stored count equals what it received.

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (process.env.CI && !brokers.length) throw new Error('CI must run the Kafka half: set KAFKA_BROKERS');
const TOKEN = 'operator-token-race';
const MAX = 3;

describe.skipIf(!brokers.length)('replay loop guard under concurrent requests (Kafka)', () => {
  const ns = uniqueName('race');
  let bus: Bus;
  let env: ReplayRaceEnv;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    bus = createKafkaBus({ brokers, clientId: 'replay-race-int-test' });
    env = {
      bus,
      api: () => Promise.reject(new Error('collector not started')),
      token: TOKEN,
      originTopic: `${ns}.commands`,
      dlqTopic: `${ns}.commands-dlt`,
      maxReplays: MAX,
    };
    await bus.admin.createTopics([
      { topic: env.originTopic, numPartitions: 2 },
      { topic: env.dlqTopic, numPartitions: 1 },
    ]);
    const t = await startTestCollector({
      bus,
      env: {
        OPERATOR_TOKEN: TOKEN,
        REPLAY_MAX_COUNT: String(MAX),
        COLLECTOR_GROUP_ID: uniqueName('collector'),
        COLLECTOR_TOPIC_INCLUDE: `${ns.replace(/[.-]/g, '\\$&')}\\..*`,
      },
    });
    stop = t.stop;
    env = { ...env, api: t.api };
  });
  afterAll(async () => {
    await stop?.();
    await bus?.admin.deleteTopics([env.originTopic, env.dlqTopic]).catch(() => undefined);
    await bus?.close();
  });

  it('produces at most the remaining allowance, and the stored count equals what was produced', async () => {
    await fc.assert(
      fc.asyncProperty(replayRaceArb(MAX), (race) => runReplayRace(env, race)),
      { numRuns: 30 },
    );
  });
});
