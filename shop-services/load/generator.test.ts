import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePlaceOrder } from '../order/validation.ts';
import { parseDuration, parseLoadArgs, percentile, randomOrder, runLoad } from './generator.ts';

describe('load generator', () => {
  let server: Server;
  let url = '';
  let bodies = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        bodies++;
        res.writeHead(bodies % 10 === 0 ? 503 : 202, { 'content-type': 'application/json' });
        res.end('{"orderId":"x"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('parses durations and arguments, and says what is wrong', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('3')).toBe(3000);
    expect(() => parseDuration('soon')).toThrow(/invalid duration/);
    expect(parseLoadArgs(['--rate', '200', '--duration', '60s'])).toMatchObject({
      rate: 200,
      durationMs: 60_000,
      url: 'http://127.0.0.1:7001',
    });
    expect(() => parseLoadArgs(['--rate', '-1'])).toThrow(/--rate/);
    expect(() => parseLoadArgs(['--duration', 'x'])).toThrow(/--duration/);
  });

  it('computes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 95), percentile(xs, 99), percentile([], 50)]).toEqual([
      50, 95, 99, 0,
    ]);
  });

  it('generates orders the order API accepts', () => {
    for (let i = 0; i < 200; i++) expect(validatePlaceOrder(randomOrder(50)).ok).toBe(true);
  });

  it('offers the requested rate and reports statuses and latencies', async () => {
    const r = await runLoad({ url, rate: 100, durationMs: 1000, maxInFlight: 100, customers: 10 });
    expect(r.sent).toBe(100);
    expect(r.achievedRate).toBeGreaterThan(80);
    expect(r.ok).toBe(90);
    expect(r.statuses['503']).toBe(10);
    expect(r.latencyMs.p99).toBeGreaterThanOrEqual(r.latencyMs.p50);
  });
});
