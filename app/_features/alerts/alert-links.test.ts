import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../lib/api/alerts.ts';
import { alertLinks, runbookHref, sortAlerts } from './alert-links.ts';

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
