import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectorMetrics as m } from '../../lib/metrics-catalog.ts';
import { rows, type PanelSpec } from './panels.ts';

// Builds dashboards/grafana/causeway-overview.json from panels.ts:
//   node dashboards/grafana/dashboard.ts
// The data source is the `${DS_PROMETHEUS}` variable, so the file imports into any Grafana and
// also works provisioned (the variable then picks the default Prometheus).

export const DASHBOARD_FILE = fileURLToPath(new URL('./causeway-overview.json', import.meta.url));

const datasource = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
const GRID_WIDTH = 24;
const PANEL_HEIGHT = 8;

function variable(name: string, label: string, metric: string, labelName: string) {
  return {
    name,
    label,
    type: 'query',
    datasource,
    query: { query: `label_values(${metric}, ${labelName})`, refId: `${name}-values` },
    definition: `label_values(${metric}, ${labelName})`,
    refresh: 2,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { text: ['All'], value: ['$__all'] },
    sort: 1,
  };
}

function panel(p: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  return {
    id,
    type: p.type,
    title: p.title,
    description: p.description,
    datasource,
    gridPos,
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options:
      p.type === 'timeseries'
        ? {
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'multi' },
          }
        : {},
    targets: p.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource,
      expr: t.expr,
      legendFormat: t.legend,
      ...(p.instant
        ? { instant: true, range: false, format: p.type === 'table' ? 'table' : 'time_series' }
        : {}),
    })),
  };
}

export function buildOverviewDashboard(): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { x: 0, y, w: GRID_WIDTH, h: 1 },
      panels: [],
    });
    y += 1;
    const width = GRID_WIDTH / Math.min(row.panels.length, 4);
    row.panels.forEach((p, i) => {
      const perLine = GRID_WIDTH / width;
      const gridPos = {
        x: (i % perLine) * width,
        y: y + Math.floor(i / perLine) * PANEL_HEIGHT,
        w: width,
        h: PANEL_HEIGHT,
      };
      panels.push(panel(p, id++, gridPos));
    });
    y += Math.ceil(row.panels.length / (GRID_WIDTH / width)) * PANEL_HEIGHT;
  }
  return {
    __inputs: [
      {
        name: 'DS_PROMETHEUS',
        label: 'Prometheus',
        type: 'datasource',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
      },
    ],
    uid: 'causeway-overview',
    title: 'Causeway overview',
    description:
      'Flows, consumer lag, dead letters, sagas and collector health, from the Causeway collector.',
    tags: ['causeway', 'kafka'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    templating: {
      list: [
        {
          name: 'DS_PROMETHEUS',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
        },
        variable('group', 'Consumer group', m.groupStatus.name, 'group'),
        variable('topic', 'Topic', m.recordsIngested.name, 'topic'),
      ],
    },
    annotations: { list: [] },
    links: [],
    panels,
  };
}

export const renderDashboard = (): string => `${JSON.stringify(buildOverviewDashboard(), null, 2)}\n`;

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  writeFileSync(DASHBOARD_FILE, renderDashboard());
  console.log(`wrote ${DASHBOARD_FILE}`);
}
