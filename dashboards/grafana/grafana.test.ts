import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { collectorMetrics } from '../../lib/metrics-catalog.ts';
import { recordedSeries } from '../alerts/definitions.ts';
import { MISSING_PROMTOOL, promtool, promtoolAvailable } from '../prometheus/promtool.ts';
import { DASHBOARD_FILE, renderDashboard } from './dashboard.ts';

interface Target {
  expr: string;
  refId: string;
  datasource: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Target[];
}
interface Dashboard {
  schemaVersion: number;
  templating: { list: { name: string; type: string; query: unknown; definition?: string }[] };
  panels: Panel[];
}

const committed = readFileSync(DASHBOARD_FILE, 'utf8');
const dashboard = JSON.parse(committed) as Dashboard;
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));
const variableQueries = dashboard.templating.list.flatMap((v) =>
  v.type === 'query' && v.definition ? [v.definition] : [],
);

/** Grafana's variables replaced by values PromQL accepts, so promtool can parse the rest. */
const substitute = (expr: string) =>
  expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$[a-zA-Z_]+/g, '.*');

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or numbers. */
function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const ids = s.match(/(?<![\w:.])[a-zA-Z_:][\w:]*(?![\w:]|\s*\()/g) ?? [];
  return ids.filter((id) => !/^(and|or|unless|bool|offset|inf|nan)$/i.test(id));
}

const known = new Set<string>([
  'up',
  ...Object.values(recordedSeries),
  ...Object.values(collectorMetrics).flatMap((m) =>
    m.kind === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
  ),
]);

describe('Grafana overview dashboard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'causeway-grafana-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is up to date with panels.ts', () => {
    expect(
      committed === renderDashboard(),
      'causeway-overview.json is stale: run `node dashboards/grafana/dashboard.ts`',
    ).toBe(true);
  });

  it('uses the templated data source everywhere and offers group and topic variables', () => {
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['DS_PROMETHEUS', 'group', 'topic']);
    for (const { panel, target } of queries) {
      expect(panel.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(target.datasource.uid, panel.title).toBe('${DS_PROMETHEUS}');
    }
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'Flows overview',
      'Consumer lag',
      'Dead letters',
      'Sagas',
      'Collector health',
    ]);
  });

  it('has only expressions promtool can parse', () => {
    expect(promtoolAvailable(), MISSING_PROMTOOL).toBe(true);
    const file = join(dir, 'panels.rules.yml');
    const rules = queries.map(({ panel, target }) => ({
      record: `grafana:panel_${panel.id}:${target.refId}`,
      expr: substitute(target.expr),
    }));
    writeFileSync(file, stringify({ groups: [{ name: 'grafana', rules }] }));
    const r = promtool(['check', 'rules', file]);
    expect(r.ok, r.output).toBe(true);
  });

  it('refers only to catalogued metrics, recorded series or up', () => {
    expect(queries.length).toBeGreaterThan(15);
    for (const expr of [...queries.map((q) => q.target.expr), ...variableQueries]) {
      const names = expr.startsWith('label_values(')
        ? [expr.slice(13, expr.indexOf(','))]
        : metricNames(expr);
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) expect(known, `${name} in ${expr}`).toContain(name);
    }
  });

  it('extracts metric names the way PromQL reads them', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le) (rate(a_bucket{x="rate(b)"}[5m]))) / on (x) c > 1e3 and d',
      ),
    ).toEqual(['a_bucket', 'c', 'd']);
  });
});
