import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaBus, type Bus, type RecordMetadata } from '../../lib/bus/index.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import {
  stopAllCollectors,
  startCollectorProcess,
  type CollectorProcess,
} from './support/collector-process.ts';
import { sharedBrokers, sleep } from './support/env.ts';

// SIGKILL between landing and the offset commit: the collector process is watched from outside
// (its database read-only, its group's committed offsets through the admin API) while a producer
// writes, and killed the moment some partition has records landed past its committed offset.
// Once it is dead, the same two readings say whether the kill really fell in that window (landed
// bytes, offsets not committed); the test kills until it has such kills. After a restart the
// redelivered records must not be stored twice, and none may be missing: the store holds exactly
// the produced (partition, offset) set, each once.

const TOTAL = 12_000;
const WANTED_KILLS = 2;
const MAX_KILLS = 12;

describe.skipIf(!sharedBrokers.length)('collector killed between landing and committing offsets', () => {
  const topic = `${uniqueName('faults-land')}.events`;
  const dir = mkdtempSync(join(tmpdir(), 'cw-faults-land-'));
  const dbPath = join(dir, 'collector.db');
  const groupId = uniqueName('faults-land-collector');
  let bus: Bus;
  let stopProducing = false;

  beforeAll(async () => {
    bus = createKafkaBus({ brokers: sharedBrokers, clientId: 'faults-land' });
    await bus.admin.createTopics([{ topic, numPartitions: 3 }]);
  });
  afterAll(async () => {
    stopProducing = true;
    await stopAllCollectors();
    await bus?.admin.deleteTopics([topic]).catch(() => undefined);
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Per partition, the highest offset the store holds (landed or indexed). */
  function landedMarks(): Map<number, number> {
    const out = new Map<number, number>();
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(dbPath, { readOnly: true });
      const rows = db
        .prepare(
          `SELECT partition, max(hi) AS hi FROM (
             SELECT partition, max(last_offset) AS hi FROM landing WHERE topic = ?1 GROUP BY partition
             UNION ALL SELECT partition, max(offset) FROM records WHERE topic = ?1 GROUP BY partition)
           GROUP BY partition`,
        )
        .all(topic);
      for (const r of rows) out.set(Number(r.partition), Number(r.hi));
    } catch {
      // Not created yet, or busy: nothing landed as far as this reading knows.
    } finally {
      db?.close();
    }
    return out;
  }

  /** Partitions with records landed past the group's committed offset. */
  async function uncommittedLanded(): Promise<number[]> {
    const marks = landedMarks();
    const committed = new Map(
      (await bus.admin.committedOffsets(groupId, [topic])).map((c) => [c.partition, c.offset]),
    );
    return [...marks].filter(([p, hi]) => hi + 1 > (committed.get(p) ?? -1)).map(([p]) => p);
  }

  it('loses nothing and stores nothing twice', async () => {
    const env = {
      KAFKA_BROKERS: sharedBrokers.join(','),
      COLLECTOR_DB_PATH: dbPath,
      COLLECTOR_GROUP_ID: groupId,
      COLLECTOR_TOPIC_INCLUDE: topic.replaceAll('.', '\\.'),
      COLLECTOR_SESSION_TIMEOUT_MS: '6000',
      LAG_POLL_INTERVAL_MS: '60000',
    };
    let collector: CollectorProcess = await startCollectorProcess(env);
    const produced: RecordMetadata[] = [];
    const producing = (async () => {
      for (let i = 0; i < TOTAL && !stopProducing; i += 100) {
        const batch = Array.from({ length: 100 }, (_, j) => ({
          topic,
          key: `k${(i + j) % 97}`,
          value: `{"n":${i + j}}`,
        }));
        produced.push(...(await bus.produce(batch)));
        await sleep(100);
      }
    })();
    producing.catch(() => undefined);

    let inWindow = 0;
    for (let kills = 0; inWindow < WANTED_KILLS && kills < MAX_KILLS; kills++) {
      await waitFor(async () => ((await uncommittedLanded()).length > 0 ? true : undefined), {
        what: 'records landed past the committed offsets',
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      await collector.kill('SIGKILL');
      // Dead: both readings are final now.
      if ((await uncommittedLanded()).length > 0) inWindow++;
      collector = await startCollectorProcess(env);
    }
    expect(inWindow, 'kills that fell between landing and the offset commit').toBe(WANTED_KILLS);

    await producing;
    expect(produced).toHaveLength(TOTAL);
    await waitFor(
      async () => {
        const h = await collector.health();
        return h.recordsStored >= TOTAL && h.recordsIndexing === 0 ? true : undefined;
      },
      { what: `all ${TOTAL} records indexed`, timeoutMs: 120_000, intervalMs: 200 },
    );
    await collector.kill('SIGTERM');
    const db = new DatabaseSync(dbPath, { readOnly: true });
    try {
      const rows = db.prepare('SELECT partition, offset FROM records WHERE topic = ?').all(topic);
      const stored = rows.map((r) => `${Number(r.partition)}:${Number(r.offset)}`);
      expect(stored).toHaveLength(TOTAL);
      expect(new Set(stored)).toEqual(new Set(produced.map((m) => `${m.partition}:${m.offset}`)));
      expect(db.prepare('SELECT count(*) AS n FROM landing').get()?.n).toBe(0);
    } finally {
      db.close();
    }
  }, 300_000);
});
