import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsResponseSchema, rulesResponseSchema } from '../../lib/api/alerts.ts';
import {
  createPrometheusSource,
  PrometheusSourceError,
  prometheusSourceFromEnv,
} from './prometheus-source.ts';

// Bodies trimmed from a real Prometheus 2.42 answering for the generated rules.
const alertsBody = {
  status: 'success',
  data: {
    alerts: [
      {
        labels: {
          alertname: 'ConsumerStalled',
          group: 'g1',
          instance: '127.0.0.1:45299',
          job: 'causeway-collector',
          severity: 'critical',
          status: 'STALL',
        },
        annotations: {
          summary: 'Consumer group g1 has stalled',
          description: 'd',
          runbook_url: 'http://c/alerts/runbook/ConsumerStalled',
        },
        state: 'pending',
        activeAt: '2026-11-21T23:40:53.706394466Z',
        value: '1e+00',
      },
    ],
  },
};
const rulesBody = {
  status: 'success',
  data: {
    groups: [
      {
        name: 'consumers',
        file: '/tmp/r.yml',
        interval: 1,
        limit: 0,
        rules: [
          {
            state: 'pending',
            name: 'ConsumerStalled',
            query: 'causeway_consumer_group_status{status="STALL"} == 1',
            duration: 120,
            keepFiringFor: 300,
            labels: { severity: 'critical' },
            annotations: { summary: 'Consumer group {{ $labels.group }} has stalled' },
            alerts: [],
            health: 'ok',
            evaluationTime: 0.0005,
            lastEvaluation: '2026-11-21T23:40:54.723564433Z',
            type: 'alerting',
          },
        ],
      },
      {
        name: 'recording',
        file: '/tmp/r.yml',
        rules: [
          {
            name: 'topic:causeway_records_ingested:rate5m',
            query: 'sum by (topic) (rate(causeway_records_ingested_total[5m]))',
            health: 'err',
            lastError: 'boom',
            evaluationTime: 0.0001,
            lastEvaluation: '0001-01-01T00:00:00Z',
            type: 'recording',
          },
        ],
      },
    ],
  },
};

const routes: Record<string, [number, string]> = {
  '/prom/api/v1/alerts': [200, JSON.stringify(alertsBody)],
  '/prom/api/v1/rules': [200, JSON.stringify(rulesBody)],
  '/bad/api/v1/alerts': [
    200,
    JSON.stringify({ status: 'success', data: { alerts: [{ labels: {}, state: 'weird' }] } }),
  ],
  '/html/api/v1/alerts': [200, '<html>login</html>'],
  '/down/api/v1/alerts': [503, 'Service Unavailable'],
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const [status, body] = routes[req.url ?? ''] ?? [404, 'not found'];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('createPrometheusSource', () => {
  it('reads alerts into the shared shape, keeping a path prefix', async () => {
    const alerts = await createPrometheusSource({ url: `${base}/prom` }).alerts();
    expect(alertsResponseSchema.parse(alerts)).toEqual({
      source: 'prometheus',
      alerts: alertsBody.data.alerts,
    });
  });

  it('flattens rule groups and drops Prometheus-only fields', async () => {
    const { rules, source } = rulesResponseSchema.parse(
      await createPrometheusSource({ url: `${base}/prom/` }).rules(),
    );
    expect(source).toBe('prometheus');
    expect(rules).toEqual([
      {
        group: 'consumers',
        name: 'ConsumerStalled',
        type: 'alerting',
        query: 'causeway_consumer_group_status{status="STALL"} == 1',
        state: 'pending',
        health: 'ok',
        lastEvaluation: '2026-11-21T23:40:54.723564433Z',
        duration: 120,
        keepFiringFor: 300,
        labels: { severity: 'critical' },
        annotations: { summary: 'Consumer group {{ $labels.group }} has stalled' },
      },
      {
        group: 'recording',
        name: 'topic:causeway_records_ingested:rate5m',
        type: 'recording',
        query: 'sum by (topic) (rate(causeway_records_ingested_total[5m]))',
        health: 'err',
        lastError: 'boom',
        lastEvaluation: '0001-01-01T00:00:00Z',
        labels: {},
      },
    ]);
  });

  it('names the URL and the offending field when the body is not what Prometheus sends', async () => {
    const error = await createPrometheusSource({ url: `${base}/bad` })
      .alerts()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusSourceError);
    expect(String(error)).toMatch(/\/bad\/api\/v1\/alerts answered an unexpected body/);
    expect(String(error)).toMatch(/state/);
  });

  it('reports HTTP errors, non-JSON bodies and unreachable servers clearly', async () => {
    await expect(createPrometheusSource({ url: `${base}/down` }).alerts()).rejects.toThrow(
      /HTTP 503: Service Unavailable/,
    );
    await expect(createPrometheusSource({ url: `${base}/html` }).alerts()).rejects.toThrow(
      /non-JSON: <html>/,
    );
    await expect(createPrometheusSource({ url: 'http://127.0.0.1:1' }).alerts()).rejects.toThrow(
      /unreachable/,
    );
  });
});

describe('prometheusSourceFromEnv', () => {
  it('is undefined without PROMETHEUS_URL, so callers fall back to the native evaluator', () => {
    expect(prometheusSourceFromEnv({})).toBeUndefined();
    expect(prometheusSourceFromEnv({ PROMETHEUS_URL: '' })).toBeUndefined();
    expect(prometheusSourceFromEnv({ PROMETHEUS_URL: 'http://127.0.0.1:9090' })?.url).toBe(
      'http://127.0.0.1:9090',
    );
    expect(() => prometheusSourceFromEnv({ PROMETHEUS_URL: '127.0.0.1:9090' })).toThrow(/PROMETHEUS_URL/);
  });
});
