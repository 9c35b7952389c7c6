import fc from 'fast-check';
import { expect } from 'vitest';
import { dlqEntryDetailSchema, dlqPageSchema, replayResponseSchema, type Replay } from '../lib/api/dlq.ts';
import type { Bus } from '../lib/bus/types.ts';
import { encodeSpringDltHeaders } from '../lib/events/dlq.ts';
import { uniqueName, waitFor } from '../lib/testing/wait-for.ts';
import { REPLAY_HEADERS } from './ingest/decode-record.ts';

// The replay race, shared by the embedded-bus unit test and the real-broker integration test:
// a dead letter whose record already says it was replayed `start` times, then one replay request
// per key, all at once (what several operators or browser tabs send). However many arrive, at most
// the loop guard's remaining allowance is produced, and the stored count says exactly that.

export interface ReplayRaceEnv {
  readonly bus: Bus;
  readonly api: (path: string, init?: RequestInit) => Promise<{ status: number; body: unknown }>;
  readonly token: string;
  readonly originTopic: string;
  readonly dlqTopic: string;
  readonly maxReplays: number;
  /**
   * Sends one replay request. Through the HTTP API by default; the embedded-bus test calls the
   * replayer directly so that every request is in flight in the same tick (over HTTP on the
   * embedded bus one request finishes before the next one's bytes are read).
   */
  readonly request?: (entryId: string, replayKey: string) => Promise<Replay>;
}

export interface ReplayRace {
  readonly start: number;
  readonly keys: readonly string[];
}

export const replayRaceArb = (maxReplays: number): fc.Arbitrary<ReplayRace> =>
  fc.record({
    start: fc.integer({ min: 0, max: maxReplays + 1 }),
    keys: fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9._:-]{8,40}$/), { minLength: 1, maxLength: 7 }),
  });

const highWatermark = async (bus: Bus, topic: string) =>
  (await bus.admin.topicOffsets(topic)).reduce((sum, p) => sum + p.high, 0);

/** Dead-letters one record that carries replay count `start`; resolves to its entry id. */
async function deadLetter(env: ReplayRaceEnv, start: number): Promise<string> {
  const key = uniqueName('race');
  await env.bus.produce([
    {
      topic: env.dlqTopic,
      key,
      value: JSON.stringify({ orderId: key }),
      headers: [
        ...encodeSpringDltHeaders({
          originTopic: env.originTopic,
          originPartition: 0,
          originOffset: 0,
          originTimestamp: Date.now(),
          group: 'race-group',
          error: { fqcn: 'RaceError', message: 'dead-lettered for the replay race' },
        }),
        { key: REPLAY_HEADERS.count, value: Buffer.from(String(start)) },
      ],
    },
  ]);
  const entry = await waitFor(
    async () =>
      dlqPageSchema.parse((await env.api(`/api/dlq?dlqTopic=${env.dlqTopic}&key=${key}`)).body).items[0],
    { what: `dead-letter entry ${key}`, timeoutMs: 60_000 },
  );
  expect(entry.replayCount).toBe(start);
  return entry.id;
}

const overHttp = (env: ReplayRaceEnv) => async (entryId: string, replayKey: string) => {
  const r = await env.api(`/api/dlq/${encodeURIComponent(entryId)}/replay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.token}` },
    body: JSON.stringify({ replayKey }),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return replayResponseSchema.parse(r.body).replay;
};

export async function runReplayRace(env: ReplayRaceEnv, race: ReplayRace): Promise<void> {
  const id = await deadLetter(env, race.start);
  const before = await highWatermark(env.bus, env.originTopic);
  const replies = await Promise.all(
    race.keys.map((replayKey) => (env.request ?? overHttp(env))(id, replayKey)),
  );
  const allowed = Math.max(0, Math.min(race.keys.length, env.maxReplays - race.start));
  const produced = (await highWatermark(env.bus, env.originTopic)) - before;
  expect(produced, 'records produced on the origin topic').toBe(allowed);
  expect(replies.filter((r) => r.status === 'produced')).toHaveLength(allowed);
  for (const r of replies.filter((x) => x.status !== 'produced')) {
    expect(r.status).toBe('refused');
    const used = /^loop guard: (\d+) of (\d+) allowed replays/.exec(r.error ?? '');
    expect(used, r.error ?? '').not.toBeNull();
    expect(Number(used![1])).toBeGreaterThanOrEqual(env.maxReplays);
    expect(Number(used![2])).toBe(env.maxReplays);
  }
  const detail = dlqEntryDetailSchema.parse((await env.api(`/api/dlq/${encodeURIComponent(id)}`)).body);
  expect(detail.replayCount, 'stored replay count').toBe(race.start + produced);
  expect(detail.replays.filter((r) => r.status === 'produced')).toHaveLength(produced);
  expect(new Set(detail.replays.map((r) => r.replayKey))).toEqual(new Set(race.keys));
}
