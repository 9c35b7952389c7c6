import { describe, expect, it } from 'vitest';
import { fillRunbookText, runbookContext } from './runbook-template.ts';

describe('runbook templates', () => {
  const t =
    'Records from {{ $labels.origin_topic }} are arriving on {{ $labels.dlq_topic }}: {{ $value | humanize }}';
  it('fills the labels and value of the alert the user came from', () => {
    const ctx = runbookContext({
      'label.origin_topic': 'payment.commands',
      'label.dlq_topic': 'p-dlt',
      value: '2.2200000000000003e+01',
    });
    expect(fillRunbookText(t, ctx)).toBe('Records from payment.commands are arriving on p-dlt: 22.2');
  });
  it('shows readable placeholders, never raw template, without them', () => {
    expect(fillRunbookText(t, null)).toBe('Records from ‹origin_topic› are arriving on ‹dlq_topic›: ‹value›');
    expect(fillRunbookText(t, runbookContext({ 'label.origin_topic': 'a' }))).toBe(
      'Records from a are arriving on ‹dlq_topic›: ‹value›',
    );
  });
});
