import { afterEach, describe, expect, it } from 'vitest';
import { apiErrorSchema } from '../../lib/api/common.ts';
import { healthSchema } from '../../lib/api/topology.ts';
import { collectorMetrics } from '../../lib/metrics-catalog.ts';
import { startTestCollector } from '../testing.ts';

// The HTTP surface: auth, error shapes, health, OpenAPI, /metrics.

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
async function setup(env: Record<string, string> = {}) {
  const t = await startTestCollector({ env });
  stops.push(t.stop);
  return t;
}
const replay = (token?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
  body: JSON.stringify({ replayKey: 'key-12345678' }),
});

describe('collector HTTP API', () => {
  it('answers a URL over the 16 KB header limit with a JSON 431, not a bare status line', async () => {
    const { api } = await setup();
    const r = await api(`/api/records?q=${'x'.repeat(20_000)}`);
    expect(r.status).toBe(431);
    expect(apiErrorSchema.parse(r.body).error.message).toMatch(/shorten the URL/);
  });

  it('refuses writes with 403 and a hint when no operator token is configured', async () => {
    const { api } = await setup();
    const r = await api('/api/dlq/x:0:1/replay', replay('anything-at-all'));
    expect(r.status).toBe(403);
    expect(apiErrorSchema.parse(r.body).error.message).toMatch(/set OPERATOR_TOKEN/);
    const h = healthSchema.parse((await api('/api/health')).body);
    expect(h.authRequired).toEqual({ read: false, write: true });
  });

  it('requires the viewer token for reads when one is set, and the operator token for writes', async () => {
    const { api } = await setup({ OPERATOR_TOKEN: 'operator-token-1', VIEWER_TOKEN: 'viewer-token-1' });
    expect((await api('/api/records')).status).toBe(401);
    expect((await api('/api/records', { headers: { authorization: 'Bearer viewer-token-1' } })).status).toBe(
      200,
    );
    expect(
      (await api('/api/records', { headers: { authorization: 'Bearer operator-token-1' } })).status,
    ).toBe(200);
    expect((await api('/api/dlq/x:0:1/replay', replay())).status).toBe(401);
    expect((await api('/api/dlq/x:0:1/replay', replay('viewer-token-1'))).status).toBe(403);
    // Authorised, but the entry does not exist.
    expect((await api('/api/dlq/x:0:1/replay', replay('operator-token-1'))).status).toBe(404);
  });

  it('puts /metrics, /api/health and /api/openapi.json behind the viewer token when one is set, /healthz stays open', async () => {
    const { api } = await setup({ OPERATOR_TOKEN: 'operator-token-3', VIEWER_TOKEN: 'viewer-token-3' });
    const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    for (const path of ['/metrics', '/api/health', '/api/openapi.json']) {
      expect((await api(path)).status, path).toBe(401);
      expect((await api(path, as('not-a-valid-token'))).status, path).toBe(403);
      expect((await api(path, as('viewer-token-3'))).status, path).toBe(200);
      expect((await api(path, as('operator-token-3'))).status, path).toBe(200);
    }
    expect(healthSchema.parse((await api('/api/health', as('viewer-token-3'))).body).authRequired).toEqual({
      read: true,
      write: true,
    });
    expect(await api('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    // Without VIEWER_TOKEN all four stay open, as Compose's healthcheck and Prometheus expect.
    const open = await setup();
    for (const path of ['/metrics', '/api/health', '/api/openapi.json', '/healthz'])
      expect((await open.api(path)).status, path).toBe(200);
  });

  it('rate-limits an address after repeated wrong tokens', async () => {
    const { api } = await setup({ OPERATOR_TOKEN: 'operator-token-2' });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await api('/api/dlq/x:0:1/replay', replay(`wrong-${i}-token`))).status);
    expect(statuses.slice(0, 10).every((s) => s === 403)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    // Even the right token waits out the window.
    expect((await api('/api/dlq/x:0:1/replay', replay('operator-token-2'))).status).toBe(429);
  });

  it('answers 400 for bad JSON bodies and bad bulk requests, never 500', async () => {
    const { api } = await setup({ OPERATOR_TOKEN: 'operator-token-3' });
    const post = (body: string) =>
      api('/api/dlq/replay', { method: 'POST', headers: { authorization: 'Bearer operator-token-3' }, body });
    expect((await post('{not json')).status).toBe(400);
    expect((await post('{"replayKey":"short"}')).status).toBe(400);
    expect((await post('{"replayKey":"long-enough-key","dryRun":true}')).status).toBe(400);
    const dry = await post('{"replayKey":"long-enough-key","dryRun":true,"filter":{}}');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, total: 0, jobId: null });
    for (const path of [
      '/api/sagas?minAgeMs=-1',
      '/api/dlq?status=gone',
      '/api/chains?limit=9999',
      '/api/records?dlqOnly=maybe',
    ])
      expect((await api(path)).status, path).toBe(400);
    expect((await api('/api/dlq/%E0%A4%A')).status).toBe(400);
  });

  it('exports exactly the catalog metrics it owns on /metrics', async () => {
    const { api } = await setup();
    const text = String((await api('/metrics')).body);
    const lagOwned = new Set([
      'consumerLagOffsets',
      'consumerLagSeconds',
      'groupLagOffsets',
      'groupLagSeconds',
      'groupStatus',
      'lagPollDuration',
    ]);
    for (const [k, spec] of Object.entries(collectorMetrics)) {
      if (lagOwned.has(k)) continue;
      expect(text, spec.name).toContain(`# TYPE ${spec.name} ${spec.kind}`);
    }
  });

  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const { api } = await setup();
    const doc = (await api('/api/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/records', '/api/dlq/{id}/replay', '/api/chains/{id}', '/api/topology']),
    );
    expect(JSON.stringify(doc.paths['/api/dlq/{id}/replay'])).toMatch(/replayKey/);
  });
});
