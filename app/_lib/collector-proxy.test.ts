import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyToCollector, upstreamUrl } from './collector-proxy.ts';

describe('upstreamUrl', () => {
  it('keeps an id with slashes, dots and question marks as one path segment', () => {
    const url = upstreamUrl('http://127.0.0.1:4000', ['dlq', 'a/../b?c', 'replay'], '?x=1');
    expect(url.toString()).toBe('http://127.0.0.1:4000/api/dlq/a%2F..%2Fb%3Fc/replay?x=1');
  });

  it('keeps a path prefix of the collector URL', () => {
    expect(upstreamUrl('http://host:4000/collector/', ['health'], '').toString()).toBe(
      'http://host:4000/collector/api/health',
    );
  });
});

describe('proxyToCollector against a real upstream', () => {
  let seen:
    | { method: string; url: string; auth: string | undefined; cookie: string | undefined; body: string }
    | undefined;
  let base = '';
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization,
        cookie: req.headers.cookie,
        body: Buffer.concat(chunks).toString(),
      };
      res.writeHead(req.url?.startsWith('/api/missing') ? 404 : 200, {
        'content-type': 'application/json',
        'set-cookie': 'leak=1',
      });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('forwards a POST with its Authorization and body, but not cookies', async () => {
    const req = new Request('http://console/api/dlq/e1/replay?dry=1', {
      method: 'POST',
      headers: {
        authorization: 'Bearer op-token',
        'content-type': 'application/json',
        cookie: 'session=secret',
      },
      body: JSON.stringify({ replayKey: 'ui-12345678' }),
    });
    const res = await proxyToCollector(req, { collectorUrl: base, segments: ['dlq', 'e1', 'replay'] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(seen).toMatchObject({
      method: 'POST',
      url: '/api/dlq/e1/replay?dry=1',
      auth: 'Bearer op-token',
      cookie: undefined,
      body: '{"replayKey":"ui-12345678"}',
    });
  });

  it('passes the collector status through', async () => {
    const res = await proxyToCollector(new Request('http://console/api/missing'), {
      collectorUrl: base,
      segments: ['missing'],
    });
    expect(res.status).toBe(404);
  });

  it('refuses methods the console never uses', async () => {
    const res = await proxyToCollector(new Request('http://console/api/dlq/e1', { method: 'DELETE' }), {
      collectorUrl: base,
      segments: ['dlq', 'e1'],
    });
    expect(res.status).toBe(405);
  });

  it('answers 502 with a readable message when the collector is down', async () => {
    const res = await proxyToCollector(new Request('http://console/api/health'), {
      collectorUrl: 'http://127.0.0.1:1',
      segments: ['health'],
    });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('collector_unreachable');
    expect(body.error.message).toContain('COLLECTOR_URL');
  });
});
