import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { auditPageSchema } from '../../lib/api/audit.ts';
import { chainSchema } from '../../lib/api/chains.ts';
import { dlqEntryDetailSchema, dlqPageSchema, replayResponseSchema } from '../../lib/api/dlq.ts';
import { recordDetailSchema, recordsExportSchema, recordsPageSchema } from '../../lib/api/records.ts';
import { serverFrameSchema } from '../../lib/api/ws.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { allFlowTopics, flowTopics, orderFlow } from '../testing-flows.ts';
import { startTestCollector } from '../testing.ts';

// The masking boundary end to end over the collector's real HTTP server and WebSocket: a card
// number and an e-mail address never reach a REST body, a tail frame, an export or a search hit;
// the operator's reveal is audited; a replay still produces the original bytes.

const OPERATOR = 'operator-masking-token';
const VIEWER = 'viewer-masking-token';
const CARD = '4111111111111111';
const EMAIL = 'jane.doe@example.com';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function setup() {
  const t = await startTestCollector({ env: { OPERATOR_TOKEN: OPERATOR, VIEWER_TOKEN: VIEWER } });
  stops.push(t.stop);
  const as = (token: string) => (path: string) =>
    t.api(path, { headers: { authorization: `Bearer ${token}`, 'x-causeway-actor': 'alice' } });
  return { ...t, viewer: as(VIEWER), operator: as(OPERATOR) };
}

const secretFree = (text: string) => {
  expect(text).not.toContain(CARD);
  expect(text).not.toContain(EMAIL);
};

describe('masking at the API boundary', () => {
  it('keeps card and e-mail fields out of REST, WebSocket frames, exports and search hits', async () => {
    const t = await setup();
    const topic = uniqueName('crm.customers');
    await t.bus.admin.createTopics([{ topic }]);
    const ws = new WebSocket(`${t.collector.apiUrl.replace(/^http/, 'ws')}/ws`);
    const raw: string[] = [];
    ws.on('message', (d: Buffer) => raw.push(d.toString('utf8')));
    stops.push(() => {
      ws.terminate();
      return Promise.resolve();
    });
    await waitFor(() => raw.length > 0);
    ws.send(JSON.stringify({ type: 'subscribe', filter: { topics: [topic] }, token: VIEWER }));
    await waitFor(() => raw.some((f) => f.includes('"subscribed"')));

    await t.bus.produce([
      {
        topic,
        key: EMAIL,
        value: JSON.stringify({ customerId: 'c-77', email: EMAIL, card: { cardNumber: CARD }, tier: 'gold' }),
        headers: { 'x-note': `card ${CARD}` },
      },
    ]);
    const frames = await waitFor(() => {
      const recs = raw.flatMap((f) => {
        const frame = serverFrameSchema.parse(JSON.parse(f));
        return frame.type === 'records' ? frame.records : [];
      });
      return recs.length === 1 && recs;
    });
    raw.forEach(secretFree);
    const id = frames[0]!.id;
    expect(frames[0]!.key).toBe('[masked]');

    const detailRes = await t.viewer(`/api/records/${encodeURIComponent(id)}`);
    secretFree(JSON.stringify(detailRes.body));
    const detail = recordDetailSchema.parse(detailRes.body);
    expect(JSON.parse(detail.valueText!)).toEqual({
      customerId: 'c-77',
      email: '[masked]',
      card: { cardNumber: '[masked]' },
      tier: 'gold',
    });
    expect(detail.masked).toEqual(['email', 'card.cardNumber', 'header x-note']);

    // Search: the customer id finds it; the card number or the e-mail do not (the hit would say
    // which record holds them); filtering by a masked key is refused.
    const ids = async (q: string) =>
      recordsPageSchema
        .parse((await t.viewer(`/api/records?topic=${topic}&q=${encodeURIComponent(q)}`)).body)
        .items.map((r) => r.id);
    expect(await ids('c-77')).toEqual([id]);
    expect(await ids(CARD)).toEqual([]);
    expect(await ids('jane doe example')).toEqual([]);
    expect((await t.viewer(`/api/records?key=${encodeURIComponent(EMAIL)}`)).status).toBe(400);

    const exp = await t.viewer(`/api/records/export?topic=${topic}`);
    secretFree(JSON.stringify(exp.body));
    expect(recordsExportSchema.parse(exp.body)).toMatchObject({ count: 1, truncated: false });

    // A viewer cannot reveal; the operator can, and the reveal is in the audit log.
    expect((await t.viewer(`/api/records/${encodeURIComponent(id)}?unmask=1`)).status).toBe(403);
    expect((await t.viewer('/api/audit')).status).toBe(403);
    const revealed = recordDetailSchema.parse(
      (await t.operator(`/api/records/${encodeURIComponent(id)}?unmask=1&reason=ticket-42`)).body,
    );
    expect(revealed.unmasked).toBe(true);
    expect(JSON.parse(revealed.valueText!)).toMatchObject({ email: EMAIL, card: { cardNumber: CARD } });
    const audit = auditPageSchema.parse((await t.operator('/api/audit')).body);
    expect(audit.items).toEqual([
      expect.objectContaining({
        action: 'unmask',
        identity: 'operator',
        actor: 'alice',
        target: id,
        reason: 'ticket-42',
      }),
    ]);
    // The operator's ordinary view stays masked: revealing is a deliberate, audited act.
    secretFree(JSON.stringify((await t.operator(`/api/records/${encodeURIComponent(id)}`)).body));
  });

  it('masks dead letters and chains, and a replay still produces the original bytes', async () => {
    const t = await setup();
    const topics = flowTopics(`${uniqueName('mk')}.`);
    await t.bus.admin.createTopics(allFlowTopics(topics));
    const flow = orderFlow({ topics, outcome: 'poison' });
    const original = JSON.stringify({ orderId: flow.orderId, cardNumber: CARD, email: EMAIL });
    const records = flow.records.map((r) =>
      r.topic === topics.paymentCommandsDlt ? { ...r, value: original } : r,
    );
    await t.bus.produce(records);
    const entry = await waitFor(async () => {
      const p = dlqPageSchema.parse((await t.viewer(`/api/dlq?dlqTopic=${topics.paymentCommandsDlt}`)).body);
      return p.items[0];
    });
    const detail = await t.viewer(`/api/dlq/${encodeURIComponent(entry.id)}`);
    dlqEntryDetailSchema.parse(detail.body);
    secretFree(JSON.stringify(detail.body));
    const chain = await t.viewer(`/api/chains/${flow.orderId}`);
    chainSchema.parse(chain.body);
    secretFree(JSON.stringify(chain.body));

    const res = await t.api(`/api/dlq/${encodeURIComponent(entry.id)}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify({ replayKey: 'mask-0001' }),
    });
    const replay = replayResponseSchema.parse(res.body).replay;
    expect(replay.status).toBe('produced');
    const stored = await waitFor(() =>
      t.collector.store.records.get(topics.paymentCommands, replay.targetPartition!, replay.targetOffset!),
    );
    expect(stored.value?.toString('utf8')).toBe(original);
  });
});
