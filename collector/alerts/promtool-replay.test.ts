import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alertDefinitions } from '../../dashboards/alerts/definitions.ts';
import { expandValues, parseSeries, replayPromtoolTests } from './promtool-replay.ts';

const TEST_FILE = fileURLToPath(
  new URL('../../dashboards/prometheus/causeway.rules.test.yml', import.meta.url),
);
const promOnly = new Set(alertDefinitions.filter((d) => !d.nativeSupported).map((d) => d.alert));

describe('native evaluator replaying the promtool tests', () => {
  const results = replayPromtoolTests(TEST_FILE, { skipAlerts: promOnly });

  it('covers every natively supported alert, firing and silent', () => {
    for (const def of alertDefinitions.filter((d) => d.nativeSupported)) {
      const mine = results.filter((r) => r.alertname === def.alert);
      expect(
        mine.some((r) => r.expected.length > 0),
        `${def.alert} firing case`,
      ).toBe(true);
      expect(
        mine.some((r) => r.expected.length === 0),
        `${def.alert} silent case`,
      ).toBe(true);
    }
  });

  it.each(results.map((r) => [`${r.alertname} at ${r.evalTime} (${r.test})`, r] as const))(
    '%s matches promtool',
    (_, r) => {
      expect(r.got).toEqual(r.expected);
    },
  );
});

describe('promtool series notation', () => {
  it('expands a+bxn to n+1 values and keeps stale gaps', () => {
    expect(expandValues('0+60x2 5x1 stale 7-2x2')).toEqual([0, 60, 120, 5, 5, undefined, 7, 5, 3]);
  });

  it('refuses "_" rather than silently diverging from promtool lookback', () => {
    expect(() => expandValues('1 _ 2')).toThrow(/stale/);
  });

  it('parses series selectors with escaped quotes', () => {
    expect(parseSeries('up{job="a\\"b", instance="x:1"}')).toEqual({
      name: 'up',
      labels: { job: 'a"b', instance: 'x:1' },
    });
  });
});
