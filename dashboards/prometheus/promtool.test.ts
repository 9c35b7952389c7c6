import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertDefinitions } from '../alerts/definitions.ts';
import { MISSING_PROMTOOL, promtool, promtoolAvailable } from './promtool.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const RULES = 'causeway.rules.yml';
const TESTS = 'causeway.rules.test.yml';

describe('Prometheus rules under promtool', () => {
  it('has promtool installed', () => {
    expect(promtoolAvailable(), MISSING_PROMTOOL).toBe(true);
  });

  it('passes `promtool check rules`', () => {
    const r = promtool(['check', 'rules', RULES], dir);
    expect(r.ok, r.output).toBe(true);
  });

  it('passes `promtool test rules`', () => {
    const r = promtool(['test', 'rules', TESTS], dir);
    expect(r.ok, r.output).toBe(true);
  });

  it('tests every alert firing (with exact labels and annotations) and silent', () => {
    const doc = parse(readFileSync(`${dir}/${TESTS}`, 'utf8')) as {
      tests: {
        alert_rule_test?: {
          alertname: string;
          exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
        }[];
      }[];
    };
    const cases = doc.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alertDefinitions) {
      const mine = cases.filter((c) => c.alertname === alert);
      const firing = mine.flatMap((c) => c.exp_alerts ?? []);
      expect(firing.length, `${alert}: no firing case`).toBeGreaterThan(0);
      for (const f of firing) {
        expect(f.exp_labels?.severity, `${alert}: exp_labels without severity`).toBeDefined();
        expect(Object.keys(f.exp_annotations ?? {}).sort(), `${alert}: exp_annotations`).toEqual([
          'description',
          'runbook_url',
          'summary',
        ]);
      }
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert}: no silent case`,
      ).toBe(true);
    }
  });
});
