import { afterEach, describe, expect, it } from 'vitest';
import { bulkReplayResultSchema, dlqEntryDetailSchema, dlqPageSchema } from '../../lib/api/dlq.ts';
import { encodeSpringDltHeaders } from '../../lib/events/dlq.ts';
import { lastHeader } from '../../lib/events/headers.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';
import { allFlowTopics, flowTopics, orderFlow } from '../testing-flows.ts';

const TOKEN = 'operator-token-bulk';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe('bulk replay and replay outcomes', () => {
  it('dry-runs a filter, then replays it once as a paced background job', async () => {
    const t = await startTestCollector({ env: { OPERATOR_TOKEN: TOKEN } });
    stops.push(t.stop);
    const topics = flowTopics(`${uniqueName('bulk')}.`);
    await t.bus.admin.createTopics(allFlowTopics(topics));
    for (let i = 0; i < 3; i++) await t.bus.produce(orderFlow({ topics, outcome: 'poison' }).records);
    await waitFor(async () => dlqPageSchema.parse((await t.api('/api/dlq')).body).items.length === 3);
    const post = (body: object) =>
      t.api('/api/dlq/replay', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(body),
      });
    const filter = { dlqTopic: topics.paymentCommandsDlt, status: 'unresolved' };
    const dry = bulkReplayResultSchema.parse(
      (await post({ replayKey: 'bulk-key-1', dryRun: true, filter })).body,
    );
    expect(dry).toEqual({
      dryRun: true,
      total: 3,
      refused: 0,
      byTarget: [{ targetTopic: topics.paymentCommands, count: 3 }],
      byError: [{ errorClass: 'AppError.poison', count: 3 }],
      jobId: null,
    });
    const high = async () =>
      (await t.bus.admin.topicOffsets(topics.paymentCommands)).reduce((s, p) => s + p.high, 0);
    const before = await high();
    const run = await post({ replayKey: 'bulk-key-1', dryRun: false, filter, ratePerSec: 20 });
    expect(run.status).toBe(202);
    const job = bulkReplayResultSchema.parse(run.body);
    expect(job.jobId).toBeTruthy();
    await waitFor(async () => (await high()) - before === 3, { what: 'three replayed records' });
    const again = bulkReplayResultSchema.parse(
      (await post({ replayKey: 'bulk-key-1', dryRun: false, filter, ratePerSec: 20 })).body,
    );
    expect(again.jobId).toBe(job.jobId);
    const replayed = await waitFor(async () => {
      const p = dlqPageSchema.parse((await t.api('/api/dlq?status=replayed')).body);
      return p.items.length === 3 && p.items;
    });
    expect(replayed.every((e) => e.replayCount === 1)).toBe(true);
    expect(await high()).toBe(before + 3);
  });

  it('marks a replay failed_again when the replayed record dead-letters again', async () => {
    const t = await startTestCollector({ env: { OPERATOR_TOKEN: TOKEN } });
    stops.push(t.stop);
    const topics = flowTopics(`${uniqueName('again')}.`);
    await t.bus.admin.createTopics(allFlowTopics(topics));
    await t.bus.produce(orderFlow({ topics, outcome: 'poison' }).records);
    const entry = await waitFor(async () => dlqPageSchema.parse((await t.api('/api/dlq')).body).items[0]);
    const res = await t.api(`/api/dlq/${encodeURIComponent(entry.id)}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ replayKey: 'again-0001' }),
    });
    expect(res.status).toBe(200);
    // The consumer fails on the replayed record too and dead-letters it, keeping its headers.
    const consumer = t.bus.consumer({ groupId: uniqueName('payment'), topics: [topics.paymentCommands] });
    let forwarded = false;
    await consumer.run(async (batch) => {
      for (const r of batch.records) {
        if (!lastHeader(r.headers, 'x-causeway-replay-id')) continue;
        await t.bus.produce([
          {
            topic: topics.paymentCommandsDlt,
            key: r.key,
            value: r.value,
            headers: [
              ...r.headers,
              ...encodeSpringDltHeaders({
                originTopic: r.topic,
                originPartition: r.partition,
                originOffset: r.offset,
                originTimestamp: r.timestamp,
                group: 'payment',
                error: { fqcn: 'AppError.poison', message: 'still poison' },
              }),
            ],
          },
        ]);
        forwarded = true;
      }
    });
    stops.push(() => consumer.stop());
    await waitFor(() => forwarded);
    const first = await waitFor(async () => {
      const d = dlqEntryDetailSchema.parse((await t.api(`/api/dlq/${encodeURIComponent(entry.id)}`)).body);
      return d.replays[0]?.outcome === 'failed_again' && d;
    });
    expect(first.status).toBe('replayed');
    const second = await waitFor(
      async () => dlqPageSchema.parse((await t.api('/api/dlq?status=unresolved')).body).items[0],
    );
    expect(second.id).not.toBe(entry.id);
    expect(second.replayCount).toBe(1);
    expect(second.errorMessage).toBe('still poison');
  });
});
