import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertDefinitions } from '../alerts/definitions.ts';

// No amtool in CI, so this walks docker/alertmanager.yml the way Alertmanager routes: depth first,
// first matching child wins (no route here uses `continue`). It checks that the example sends
// every Causeway alert where its severity says and that every name in it is a real alert.

interface Route {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  continue?: boolean;
  routes?: Route[];
}
interface Config {
  route: Route;
  receivers: { name: string }[];
  inhibit_rules: { source_matchers: string[]; target_matchers: string[] }[];
}

const config = parse(
  readFileSync(new URL('../../docker/alertmanager.yml', import.meta.url), 'utf8'),
) as Config;

function matcher(text: string): (labels: Record<string, string>) => boolean {
  const m = /^(\w+)\s*(=~|!~|!=|=)\s*"(.*)"$/.exec(text);
  if (!m?.[1] || !m[2] || m[3] === undefined) throw new Error(`Unsupported matcher ${text}`);
  const [, label, op, value] = m;
  const re = new RegExp(`^(?:${value})$`);
  return (labels) => {
    const v = labels[label] ?? '';
    return op === '=' ? v === value : op === '!=' ? v !== value : op === '=~' ? re.test(v) : !re.test(v);
  };
}

function route(r: Route, labels: Record<string, string>, inherited: string): string {
  const receiver = r.receiver ?? inherited;
  for (const child of r.routes ?? []) {
    if ((child.matchers ?? []).every((m) => matcher(m)(labels))) return route(child, labels, receiver);
  }
  return receiver;
}

const allMatchers = (r: Route): string[] => [...(r.matchers ?? []), ...(r.routes ?? []).flatMap(allMatchers)];
const receiversUsed = (r: Route): string[] => [
  ...(r.receiver ? [r.receiver] : []),
  ...(r.routes ?? []).flatMap(receiversUsed),
];

describe('docker/alertmanager.yml', () => {
  it('groups by severity and alert name, and defines every receiver it routes to', () => {
    expect(config.route.group_by).toEqual(['severity', 'alertname']);
    const names = config.receivers.map((r) => r.name);
    for (const used of receiversUsed(config.route)) expect(names).toContain(used);
    expect(config.route.receiver).toBe('default');
  });

  it('sends critical alerts to the critical receiver and the rest to the default one', () => {
    for (const def of alertDefinitions) {
      const labels = { alertname: def.alert, severity: def.severity, saga_type: 'order' };
      expect(route(config.route, labels, ''), def.alert).toBe(
        def.severity === 'critical' ? 'critical' : 'default',
      );
    }
  });

  it('names only alerts that exist', () => {
    const names = alertDefinitions.map((d) => d.alert);
    const alertnameMatchers = [
      ...allMatchers(config.route),
      ...config.inhibit_rules.flatMap((r) => [...r.source_matchers, ...r.target_matchers]),
    ].filter((m) => m.startsWith('alertname'));
    for (const text of alertnameMatchers) {
      const m = /"(.*)"$/.exec(text)?.[1] ?? '';
      for (const alternative of m.split('|')) {
        const re = new RegExp(`^(?:${alternative})$`);
        expect(
          names.some((n) => re.test(n)),
          `${alternative} in ${text}`,
        ).toBe(true);
      }
    }
  });
});
