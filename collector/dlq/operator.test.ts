import { afterEach, describe, expect, it } from 'vitest';
import {
  bulkJobSchema,
  bulkReplayResultSchema,
  dlqEntryDetailSchema,
  dlqPageSchema,
  replayPlanSchema,
  resolutionSchema,
} from '../../lib/api/dlq.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';
import { allFlowTopics, flowTopics, orderFlow } from '../testing-flows.ts';

// The operator's non-producing DLQ actions: the single-replay dry run, resolve / discard with an
// audited reason, the per-entry progress of a bulk job, and the token check.

const TOKEN = 'operator-token-ops';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function withPoison(n: number) {
  const t = await startTestCollector({ env: { OPERATOR_TOKEN: TOKEN, REPLAY_MAX_COUNT: '2' } });
  stops.push(t.stop);
  const topics = flowTopics(`${uniqueName('ops')}.`);
  await t.bus.admin.createTopics(allFlowTopics(topics));
  for (let i = 0; i < n; i++) await t.bus.produce(orderFlow({ topics, outcome: 'poison' }).records);
  const items = await waitFor(async () => {
    const p = dlqPageSchema.parse((await t.api('/api/dlq')).body);
    return p.items.length === n && p.items;
  });
  const post = (path: string, body: object, token = TOKEN) =>
    t.api(path, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      body: JSON.stringify(body),
    });
  return { t, topics, items, post };
}

describe('DLQ operator actions', () => {
  it('dry-runs a single replay without producing anything', async () => {
    const { t, topics, items } = await withPoison(1);
    const entry = items[0]!;
    const high = async () =>
      (await t.bus.admin.topicOffsets(topics.paymentCommands)).reduce((s, p) => s + p.high, 0);
    const before = await high();
    const r = await t.api(`/api/dlq/${encodeURIComponent(entry.id)}/replay-plan`);
    expect(r.status).toBe(200);
    const plan = replayPlanSchema.parse(r.body);
    expect(plan.targetTopic).toBe(topics.paymentCommands);
    expect(plan.key).toBe(entry.key);
    expect(plan).toMatchObject({ replayCount: 0, maxReplays: 2, replaysLeft: 2, refusal: null });
    const keys = plan.headers.map((h) => h.key);
    expect(keys).toContain('x-causeway-replay-count');
    expect(keys.some((k) => k.startsWith('kafka_dlt-'))).toBe(false);
    expect(await high()).toBe(before);
  });

  it('resolves and discards with a reason, audited, behind the operator token', async () => {
    const { t, items, post } = await withPoison(2);
    const [a, b] = items;
    const path = (id: string) => `/api/dlq/${encodeURIComponent(id)}/resolve`;
    expect((await post(path(a!.id), { action: 'discarded', reason: 'cancelled order' }, '')).status).toBe(
      401,
    );
    expect((await post(path(a!.id), { action: 'discarded', reason: '' })).status).toBe(400);
    const ok = await post(path(a!.id), { action: 'discarded', reason: 'order was cancelled', actor: 'ana' });
    expect(ok.status).toBe(201);
    expect(resolutionSchema.parse(ok.body)).toMatchObject({
      action: 'discarded',
      resolvedBy: 'operator (ana)',
    });
    expect((await post(path(a!.id), { action: 'resolved', reason: 'again please' })).status).toBe(409);
    expect((await post(path(b!.id), { action: 'resolved', reason: 'fixed by hand' })).status).toBe(201);
    const detail = dlqEntryDetailSchema.parse((await t.api(`/api/dlq/${encodeURIComponent(a!.id)}`)).body);
    expect(detail.status).toBe('resolved');
    expect(detail.resolutions).toHaveLength(1);
    expect(detail.resolutions[0]).toMatchObject({ reason: 'order was cancelled', action: 'discarded' });
  });

  it('reports a bulk job entry by entry', async () => {
    const { t, topics, post } = await withPoison(3);
    const filter = { dlqTopic: topics.paymentCommandsDlt };
    const run = bulkReplayResultSchema.parse(
      (await post('/api/dlq/replay', { replayKey: 'ops-bulk-1', dryRun: false, filter, ratePerSec: 20 }))
        .body,
    );
    expect(run.jobId).toBeTruthy();
    const job = await waitFor(async () => {
      const j = bulkJobSchema.parse((await t.api('/api/dlq/jobs/ops-bulk-1')).body);
      return j.state === 'done' && j;
    });
    expect(job).toMatchObject({
      total: 3,
      done: 3,
      counts: { produced: 3, failed: 0, refused: 0, waiting: 0 },
    });
    expect(job.items.map((i) => i.status)).toEqual(['produced', 'produced', 'produced']);
    expect((await t.api('/api/dlq/jobs/no-such-job')).status).toBe(404);
  });

  it('checks a token: 204 for the operator, 401 without, 403 for a wrong one', async () => {
    const { t } = await withPoison(0);
    const check = (token?: string) =>
      t.api('/api/auth/check', token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await check(TOKEN)).status).toBe(204);
    expect((await check()).status).toBe(401);
    expect((await check('not-the-token')).status).toBe(403);
  });
});
