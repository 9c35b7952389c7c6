import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.ts';
import { uniqueName, waitFor } from '../lib/testing/wait-for.ts';
import { createPgLeadership, type Leadership } from './leader.ts';

// Leader election for the singletons on the real PostgreSQL server (PG_TEST_URL).

const URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const started: Leadership[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((l) => l.stop()));
});

function member(name: string) {
  const l = createPgLeadership({ url: URL, name, retryMs: 200, logger: silentLogger() });
  const changes: boolean[] = [];
  l.onChange((v) => changes.push(v));
  started.push(l);
  l.start();
  return { l, changes };
}

const leaders = (ms: { l: Leadership }[]) => ms.filter((m) => m.l.isLeader()).length;

describe('leader election', () => {
  it('elects exactly one of a group, and another within an interval when it stops', async () => {
    const name = uniqueName('group');
    const members = [member(name), member(name), member(name)];
    const other = member(uniqueName('other-group'));
    await waitFor(() => leaders(members) === 1 && other.l.isLeader(), { what: 'one leader per group' });
    const first = members.find((m) => m.l.isLeader())!;
    await first.l.stop();
    expect(first.changes).toEqual([false, true, false]);
    const rest = members.filter((m) => m !== first);
    await waitFor(() => leaders(rest) === 1, { what: 'a new leader', timeoutMs: 2000 });
    expect(leaders(members)).toBe(1);
  });

  it('steps down when its connection is killed, and the lock passes on', async () => {
    const name = uniqueName('group');
    const members = [member(name), member(name)];
    await waitFor(() => leaders(members) === 1, { what: 'a leader' });
    const first = members.find((m) => m.l.isLeader())!;
    const admin = new pg.Client({ connectionString: URL });
    await admin.connect();
    try {
      // The backend holding the group's advisory lock, as a SIGKILLed collector's would vanish.
      await admin.query(
        `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.pid IN
           (SELECT pid FROM pg_stat_activity WHERE application_name = 'causeway-leader')
           AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 7411)`,
        [`causeway-leader:${name}`],
      );
    } finally {
      await admin.end();
    }
    await waitFor(() => !first.l.isLeader(), { what: 'the old leader to step down', timeoutMs: 2000 });
    await waitFor(() => leaders(members) === 1, { what: 'a leader again', timeoutMs: 2000 });
  });
});
