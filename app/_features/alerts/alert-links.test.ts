import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../lib/api/alerts.ts';
import { alertLinks, formatAlertValue, runbookHref, sortAlerts } from './alert-links.ts';

describe('alertLinks', () => {
  it('links each label to the page that shows it', () => {
    expect(
      alertLinks({ alertname: 'ConsumerStalled', group: 'payment service', topic: 't' }).map((l) => l.href),
    ).toEqual(['/consumers?group=payment%20service']);
    expect(alertLinks({ dlq_topic: 'orders.events-dlt' }).map((l) => l.href)).toEqual([
      '/dlq?dlqTopic=orders.events-dlt',
    ]);
    expect(alertLinks({ saga_type: 'order-fulfilment' }).map((l) => l.href)).toEqual([
      '/sagas?type=order-fulfilment',
    ]);
    expect(alertLinks({ topic: 'orders.events' }).map((l) => l.href)).toEqual(['/tail?topics=orders.events']);
    expect(alertLinks({ alertname: 'CollectorDown' })).toEqual([]);
  });
  it('builds runbook links the rules point at', () => {
    expect(runbookHref('ConsumerStalled')).toBe('/alerts/runbook/ConsumerStalled');
  });
});

describe('sortAlerts', () => {
  const a = (name: string, state: 'firing' | 'pending', severity: string, at: string): Alert => ({
    labels: { alertname: name, severity },
    annotations: {},
    state,
    activeAt: at,
    value: '1',
  });
  it('shows firing before pending, critical before warning, oldest first', () => {
    const sorted = sortAlerts([
      a('p', 'pending', 'critical', '2026-01-01T00:00:00Z'),
      a('w', 'firing', 'warning', '2026-01-01T00:00:00Z'),
      a('c2', 'firing', 'critical', '2026-01-01T00:05:00Z'),
      a('c1', 'firing', 'critical', '2026-01-01T00:01:00Z'),
    ]);
    expect(sorted.map((x) => x.labels.alertname)).toEqual(['c1', 'c2', 'w', 'p']);
  });
});

describe('formatAlertValue', () => {
  it('shows Prometheus floats as people read them', () => {
    expect(formatAlertValue('2.2200000000000003e+01')).toBe('22.2');
    expect(formatAlertValue('1e+00')).toBe('1');
    expect(formatAlertValue('1.796422623391e+12')).toBe('1,796,422,623,391');
    expect(formatAlertValue('0.000123456')).toBe('0.000123');
    expect(formatAlertValue('0')).toBe('0');
    expect(formatAlertValue('NaN')).toBe('NaN');
    expect(formatAlertValue('+Inf')).toBe('+Inf');
  });
  it('carries the firing labels and value to the runbook', () => {
    expect(
      runbookHref('DlqRecordsArriving', { labels: { alertname: 'x', origin_topic: 'a b' }, value: '3' }),
    ).toBe('/alerts/runbook/DlqRecordsArriving?label.origin_topic=a+b&value=3');
  });
});
