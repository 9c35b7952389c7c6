import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { collectorMetrics } from '../../lib/metrics-catalog.ts';
import { conditionExpr } from './conditions.ts';
import {
  alertDefinitions,
  consoleUrlFromEnv,
  DEFAULT_CONSOLE_URL,
  recordedSeries,
  ruleGroups,
  runbooks,
} from './definitions.ts';
import { formatDuration } from './durations.ts';
import { renderRulesFile, RULES_FILE } from './generate.ts';
import type { Expr } from './model.ts';
import { rangeMetrics, toPromQL } from './promql.ts';

interface RulesDoc {
  groups: { name: string; rules: Record<string, unknown>[] }[];
}

const committed = readFileSync(RULES_FILE, 'utf8');

describe('generated rules file', () => {
  it('is up to date with definitions.ts', () => {
    const fresh = renderRulesFile();
    expect(committed === fresh, 'causeway.rules.yml is stale: run `node dashboards/alerts/generate.ts`').toBe(
      true,
    );
  });

  it('has the six groups, and every alert carries severity, texts and a console runbook link', () => {
    const doc = parse(committed) as RulesDoc;
    expect(doc.groups.map((g) => g.name)).toEqual([
      'recording',
      'consumers',
      'dlq',
      'sagas',
      'collector',
      'schemas',
    ]);
    const alerts = doc.groups.flatMap((g) => g.rules).filter((r) => 'alert' in r);
    expect(alerts).toHaveLength(alertDefinitions.length);
    for (const rule of alerts) {
      const name = String(rule.alert);
      const labels = rule.labels as Record<string, string>;
      const annotations = rule.annotations as Record<string, string>;
      expect(Object.keys(labels), name).toEqual(['severity']);
      expect(labels.severity, name).toMatch(/^(critical|warning|info)$/);
      expect(Object.keys(annotations).sort(), name).toEqual(['description', 'runbook_url', 'summary']);
      expect(annotations.summary?.length, name).toBeGreaterThan(10);
      expect(annotations.description?.length, name).toBeGreaterThan(10);
      expect(annotations.runbook_url, name).toBe(`{{ $externalLabels.console_url }}/alerts/runbook/${name}`);
    }
  });

  it('holds no host: the console URL is set where Prometheus is deployed', () => {
    expect(committed).not.toMatch(/[a-z][a-z0-9+.-]*:\/\//i);
    expect(committed).not.toMatch(/localhost|127\.0\.0\.1|\b\d{1,3}(\.\d{1,3}){3}\b|:\d{2,5}\b/);
    // A file made for one deployment may still name its console.
    expect(renderRulesFile({ consoleUrl: DEFAULT_CONSOLE_URL })).toContain(
      `runbook_url: ${DEFAULT_CONSOLE_URL}/alerts/runbook/DeadLetterRecords`,
    );
  });

  it('scales for and keep_firing_for only when asked', () => {
    const scaled = parse(renderRulesFile({ consoleUrl: 'http://c', durationScale: 1 / 60 })) as RulesDoc;
    const stalled = scaled.groups[1]?.rules.find((r) => r.alert === 'ConsumerStalled');
    expect(stalled).toMatchObject({ for: '2s', keep_firing_for: '5s' });
    expect(stalled?.expr).toBe('causeway_consumer_group_status{status="STALL"} == 1');
  });
});

describe('definitions', () => {
  it('has the alerts the console and runbooks promise', () => {
    const names = alertDefinitions.map((d) => d.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const required of [
      'ConsumerLagHigh',
      'ConsumerLagSecondsHigh',
      'ConsumerLagGrowing',
      'ConsumerStalled',
      'ConsumerStopped',
      'DeadLetterRecords',
      'DeadLetterSpike',
      'DeadLetterBacklogAging',
      'ConsumerErrorRatioHigh',
      'SagaStuck',
      'SagaCompensationRatioHigh',
      'SagaCompensationFailed',
      'ReplayFailures',
      'CollectorDown',
      'CollectorNotIngesting',
      'OtlpSpansRefused',
    ]) {
      expect(names).toContain(required);
    }
  });

  it('has a runbook with meaning, checks and a fix for every alert', () => {
    for (const def of alertDefinitions) {
      const rb = runbooks[def.alert];
      expect(rb?.severity, def.alert).toBe(def.severity);
      for (const text of [rb?.meaning, rb?.check, rb?.fix])
        expect(text?.length ?? 0, def.alert).toBeGreaterThan(30);
    }
  });

  it('refers only to catalogued metrics, recorded series, or up', () => {
    const known = new Set<string>([
      'up',
      ...Object.values(recordedSeries),
      ...Object.values(collectorMetrics).flatMap((m) =>
        m.kind === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
      ),
    ]);
    const selectors = (e: Expr): string[] => {
      switch (e.type) {
        case 'selector':
        case 'range':
          return [e.selector.metric];
        case 'divide':
        case 'and':
        case 'unless':
        case 'or':
          return [...selectors(e.lhs), ...selectors(e.rhs)];
        case 'compare':
          return selectors(e.lhs);
        default:
          return selectors(e.arg);
      }
    };
    const exprs = ruleGroups.flatMap((g) =>
      g.kind === 'recording' ? g.rules.map((r) => r.expr) : g.rules.map((r) => conditionExpr(r.condition)),
    );
    for (const e of exprs) for (const metric of selectors(e)) expect(known, metric).toContain(metric);
    // Range functions over counters only: a rate of a gauge is a silent bug.
    for (const e of exprs) {
      for (const { metric } of rangeMetrics(e)) {
        const spec = Object.values(collectorMetrics).find((m) => metric.startsWith(m.name));
        if (toPromQL(e).includes(`deriv(${metric}`)) continue;
        expect(spec?.kind, metric).toMatch(/counter|histogram/);
      }
    }
  });
});

describe('PromQL rendering', () => {
  const sel = (metric: string): Expr => ({ type: 'selector', selector: { metric } });
  it('parenthesises only where precedence demands', () => {
    const ratio: Expr = {
      type: 'divide',
      lhs: sel('a'),
      rhs: { type: 'divide', lhs: sel('b'), rhs: sel('c') },
    };
    expect(toPromQL(ratio)).toBe('a / (b / c)');
    const cmp: Expr = {
      type: 'compare',
      op: '>',
      lhs: { type: 'compare', op: '<', lhs: sel('a'), value: 1 },
      value: 0,
    };
    expect(toPromQL(cmp)).toBe('(a < 1) > 0');
    expect(toPromQL({ type: 'age', arg: { type: 'divide', lhs: sel('a'), rhs: sel('b') } })).toBe(
      'time() - a / b',
    );
  });

  it('renders set operators and offsets with PromQL precedence (or < and, unless)', () => {
    const unless: Expr = {
      type: 'unless',
      lhs: sel('a'),
      rhs: { type: 'selector', selector: { metric: 'a' }, offset: '5m' },
    };
    expect(toPromQL(unless)).toBe('a unless a offset 5m');
    const or: Expr = { type: 'or', lhs: { type: 'or', lhs: sel('a'), rhs: sel('b') }, rhs: unless };
    expect(toPromQL(or)).toBe('a or b or a unless a offset 5m');
    expect(toPromQL({ type: 'and', lhs: or, rhs: sel('c') })).toBe('(a or b or a unless a offset 5m) and c');
    expect(toPromQL({ type: 'or', lhs: sel('a'), rhs: { type: 'or', lhs: sel('b'), rhs: sel('c') } })).toBe(
      'a or (b or c)',
    );
  });

  it('escapes label values', () => {
    const e: Expr = {
      type: 'selector',
      selector: { metric: 'm', matchers: [{ label: 'l', op: '=~', value: 'a"b\\d' }] },
    };
    expect(toPromQL(e)).toBe('m{l=~"a\\"b\\\\d"}');
  });
});

describe('configuration helpers', () => {
  it('reads the console URL from the environment', () => {
    expect(consoleUrlFromEnv({})).toBe(DEFAULT_CONSOLE_URL);
    expect(consoleUrlFromEnv({ CAUSEWAY_CONSOLE_URL: 'https://causeway.example.com/' })).toBe(
      'https://causeway.example.com',
    );
    expect(() => consoleUrlFromEnv({ CAUSEWAY_CONSOLE_URL: 'causeway:3000' })).toThrow(
      /CAUSEWAY_CONSOLE_URL/,
    );
  });

  it('formats durations in Prometheus syntax', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(90_500)).toBe('1m30s500ms');
    expect(formatDuration(86_400_000 + 3_600_000)).toBe('1d1h');
  });
});
