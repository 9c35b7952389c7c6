import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serverFrameSchema, type ServerFrame } from '../../lib/api/ws.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

function connect(url: string) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  const frames: ServerFrame[] = [];
  let closed: number | undefined;
  ws.on('message', (d: Buffer) => frames.push(serverFrameSchema.parse(JSON.parse(d.toString('utf8')))));
  ws.on('close', (code) => (closed = code));
  stops.push(async () => {
    ws.terminate();
    await Promise.resolve();
  });
  return { ws, frames, closed: () => closed };
}

describe('live tail over WebSocket', () => {
  it('says hello, then streams stored records that match the subscription', async () => {
    const t = await startTestCollector();
    stops.push(t.stop);
    const topic = uniqueName('tail');
    const other = uniqueName('other');
    await t.bus.admin.createTopics([{ topic }, { topic: other }]);
    const c = connect(t.collector.apiUrl);
    await waitFor(() => c.frames[0]?.type === 'hello');
    expect(c.frames[0]).toEqual({ type: 'hello', version: 1, authRequired: false });
    c.ws.send(JSON.stringify({ type: 'subscribe', filter: { topics: [topic] } }));
    await waitFor(() => c.frames.some((f) => f.type === 'subscribed'));
    await t.bus.produce([
      { topic, key: 'a', value: '{"n":1}' },
      { topic: other, key: 'b', value: '{"n":2}' },
      { topic, key: 'c', value: '{"n":3}' },
    ]);
    const got = await waitFor(() => {
      const r = c.frames.flatMap((f) => (f.type === 'records' ? f.records : []));
      return r.length >= 2 && r;
    });
    expect(got.map((r) => r.key).sort()).toEqual(['a', 'c']);
    c.ws.send('{"type":"ping"}');
    await waitFor(() => c.frames.some((f) => f.type === 'pong'));
    c.ws.send('{"type":"subscribe","filter":{"topics":"not-a-list"}}');
    await waitFor(() => c.frames.some((f) => f.type === 'error'));
  });

  it('refuses a filter it cannot apply with an error frame and stops streaming until a valid one', async () => {
    const t = await startTestCollector();
    stops.push(t.stop);
    const topic = uniqueName('tail');
    await t.bus.admin.createTopics([{ topic }]);
    const c = connect(t.collector.apiUrl);
    await waitFor(() => c.frames[0]?.type === 'hello');
    c.ws.send(JSON.stringify({ type: 'subscribe', filter: {} }));
    await waitFor(() => c.frames.some((f) => f.type === 'subscribed'));
    c.ws.send(JSON.stringify({ type: 'subscribe', filter: { key: 'k'.repeat(5000) } }));
    const refused = await waitFor(() => c.frames.find((f) => f.type === 'error'));
    expect(refused).toMatchObject({ type: 'error', code: 'filter_refused' });
    expect(refused.type === 'error' && refused.message).toMatch(/key/);
    const seen = () => c.frames.flatMap((f) => (f.type === 'records' ? f.records : [])).length;
    const before = seen();
    await t.bus.produce([{ topic, key: 'x', value: '{}' }]);
    // The record is stored (the API has it) but not streamed to the refused subscription.
    await waitFor(
      async () =>
        ((await t.api(`/api/records?topic=${topic}`)).body as { items: unknown[] }).items.length === 1,
    );
    await t.bus.produce([{ topic, key: 'y', value: '{}' }]);
    await waitFor(
      async () =>
        ((await t.api(`/api/records?topic=${topic}`)).body as { items: unknown[] }).items.length === 2,
    );
    expect(seen()).toBe(before);
    c.ws.send(JSON.stringify({ type: 'subscribe', filter: { topics: [topic] } }));
    await waitFor(() => c.frames.filter((f) => f.type === 'subscribed').length === 2);
    await t.bus.produce([{ topic, key: 'z', value: '{}' }]);
    await waitFor(() => c.frames.some((f) => f.type === 'records' && f.records.some((r) => r.key === 'z')));
  });

  it('requires the viewer token in the subscribe frame when one is set', async () => {
    const t = await startTestCollector({ env: { VIEWER_TOKEN: 'viewer-token-ws' } });
    stops.push(t.stop);
    const bad = connect(t.collector.apiUrl);
    await waitFor(() => bad.frames[0]?.type === 'hello');
    expect(bad.frames[0]).toMatchObject({ authRequired: true });
    bad.ws.send(JSON.stringify({ type: 'subscribe', filter: {} }));
    await waitFor(() => bad.closed() === 4401);
    const good = connect(t.collector.apiUrl);
    await waitFor(() => good.frames[0]?.type === 'hello');
    good.ws.send(JSON.stringify({ type: 'subscribe', filter: {}, token: 'viewer-token-ws' }));
    await waitFor(() => good.frames.some((f) => f.type === 'subscribed'));
  });
});
