import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertDefinitions } from '../../dashboards/alerts/definitions.ts';
import { formatE, formatG } from './go-format.ts';
import { humanize, humanizeDuration, humanizePercentage, renderTemplate } from './go-template.ts';

// Expected strings were produced by promtool 2.42 (Go's fmt) rendering
// `{{ $value }}`, `humanize`, `humanizePercentage` and `humanizeDuration` for each input.
const goldens: readonly [number, string, string, string, string][] = [
  // value, $value, humanize, humanizePercentage, humanizeDuration
  [100000, '100000', '100k', '1e+07%', '1d 3h 46m 40s'],
  [1000000, '1e+06', '1M', '1e+08%', '11d 13h 46m 40s'],
  [0.0001, '0.0001', '100u', '0.01%', '100us'],
  [0.00001, '1e-05', '10u', '0.001%', '10us'],
  [123456789, '1.23456789e+08', '123.5M', '1.235e+10%', '1428d 21h 33m 9s'],
  [12.125, '12.125', '12.12', '1212%', '12.12s'], // an exact tie: Go rounds half to even
  [1234.5, '1234.5', '1.234k', '1.234e+05%', '20m 34s'],
  [0.5, '0.5', '500m', '50%', '500ms'],
  [-3.25, '-3.25', '-3.25', '-325%', '-3.25s'],
  [0.000123, '0.000123', '123u', '0.0123%', '123us'],
  [86400.7, '86400.7', '86.4k', '8.64e+06%', '1d 0h 0m 0s'],
  [3599.99, '3599.99', '3.6k', '3.6e+05%', '59m 59s'],
  [99999.5, '99999.5', '100k', '1e+07%', '1d 3h 46m 39s'],
  [0.0015, '0.0015', '1.5m', '0.15%', '1.5ms'],
  [1e-9, '1e-09', '1n', '1e-07%', '1ns'],
  [4620, '4620', '4.62k', '4.62e+05%', '1h 17m 0s'],
  [1 / 3, '0.3333333333333333', '333.3m', '33.33%', '333.3ms'],
];

describe('Go formatting as Prometheus templates print it', () => {
  it.each(goldens)('%d', (value, v, h, p, d) => {
    expect(formatG(value)).toBe(v);
    expect(humanize(value)).toBe(h);
    expect(humanizePercentage(value)).toBe(p);
    expect(humanizeDuration(value)).toBe(d);
  });

  it('formats alert values like the alerts API (strconv "e", shortest)', () => {
    expect(formatE(1)).toBe('1e+00');
    expect(formatE(20000)).toBe('2e+04');
    expect(formatE(0.1)).toBe('1e-01');
    expect(formatE(1 / 3)).toBe('3.333333333333333e-01');
    expect(formatE(NaN)).toBe('NaN');
    expect(formatE(-Infinity)).toBe('-Inf');
  });

  it('round-trips: %v output parses back to the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Number(formatG(x))).toBe(x);
      }),
    );
  });
});

describe('renderTemplate', () => {
  const data = { labels: { group: 'billing', topic: 'orders' }, value: 20000 };

  it('renders labels, values and pipelines', () => {
    expect(renderTemplate('{{ $labels.group }} on {{$labels.topic}}: {{ $value | humanize }}', data)).toBe(
      'billing on orders: 20k',
    );
    expect(renderTemplate('{{ humanizeDuration $value }}', { labels: {}, value: 90 })).toBe('1m 30s');
  });

  it('renders a missing label as empty, as missingkey=zero does', () => {
    expect(renderTemplate('[{{ $labels.nope }}]', data)).toBe('[]');
  });

  it('refuses what it cannot render identically to Prometheus', () => {
    expect(() => renderTemplate('{{ printf "%.2f" $value }}', data)).toThrow(/Unsupported/);
    expect(() => renderTemplate('{{ $value | title }}', data)).toThrow(/Unsupported template function/);
    expect(() => renderTemplate('{{ $externalURL }}', data)).toThrow(/Unsupported template operand/);
  });

  it('reads $externalLabels, an absent one as empty (Prometheus drops empty external labels)', () => {
    const t = '{{ $externalLabels.console_url }}/alerts/runbook/A';
    expect(renderTemplate(t, { ...data, externalLabels: { console_url: 'https://c.example' } })).toBe(
      'https://c.example/alerts/runbook/A',
    );
    expect(renderTemplate(t, data)).toBe('/alerts/runbook/A');
  });

  it('can render every annotation of every definition', () => {
    for (const def of alertDefinitions) {
      for (const t of [def.summary, def.description]) {
        expect(() => renderTemplate(t, { labels: {}, value: 1 }), def.alert).not.toThrow();
      }
    }
  });
});
