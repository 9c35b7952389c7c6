import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertActionSchema, alertActionsResponseSchema } from '../../lib/api/alerts.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { PROMETHEUS_BIN, startPrometheus } from '../../dashboards/prometheus/prometheus-harness.ts';
import { startTestCollector } from '../testing.ts';

// Silences and acknowledgements: audited natively, and sent to a real Alertmanager (Debian's
// prometheus-alertmanager) when ALERTMANAGER_URL is set.

const TOKEN = 'operator-token-alerts';
const AM_BIN = '/usr/bin/prometheus-alertmanager';
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });

async function startAlertmanager(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'causeway-am-'));
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: none\nreceivers:\n  - name: none\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    AM_BIN,
    [
      `--config.file=${join(dir, 'am.yml')}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: 'ignore' },
  );
  stops.push(async () => {
    // Removed only once Alertmanager has exited: it writes its data folder until then.
    const exited = child.exitCode !== null || child.signalCode !== null;
    if (!exited) await new Promise<void>((resolve) => child.once('exit', () => resolve()).kill('SIGTERM'));
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => null))?.ok === true, {
    what: 'Alertmanager ready',
  });
  return url;
}

const post = (
  api: (p: string, i?: RequestInit) => Promise<{ status: number; body: unknown }>,
  body: object,
  token = TOKEN,
) =>
  api('/api/alerts/actions', {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: JSON.stringify(body),
  });

describe('alert silences and acknowledgements', () => {
  it('keeps native silences and acknowledgements, audited, behind the operator token', async () => {
    const t = await startTestCollector({ env: { OPERATOR_TOKEN: TOKEN } });
    stops.push(t.stop);
    const matchers = [{ name: 'alertname', value: 'DlqRecordsArriving' }];
    expect((await post(t.api, { kind: 'ack', matchers, comment: 'on it' }, '')).status).toBe(401);
    expect((await post(t.api, { kind: 'silence', matchers, comment: 'no duration' })).status).toBe(400);
    const silence = await post(t.api, {
      kind: 'silence',
      matchers,
      durationMs: 3_600_000,
      comment: 'deploy',
      actor: 'ana',
    });
    expect(silence.status).toBe(201);
    expect(alertActionSchema.parse(silence.body)).toMatchObject({
      via: 'native',
      createdBy: 'operator (ana)',
      externalId: null,
    });
    expect((await post(t.api, { kind: 'ack', matchers, comment: 'looking at it' })).status).toBe(201);
    const list = alertActionsResponseSchema.parse((await t.api('/api/alerts/actions')).body);
    expect(list.silencesVia).toBe('native');
    expect(list.actions.map((a) => a.kind).sort()).toEqual(['ack', 'silence']);
  });

  it.skipIf(!existsSync(AM_BIN))(
    'creates the silence in Alertmanager when ALERTMANAGER_URL is set',
    async () => {
      const am = await startAlertmanager();
      const t = await startTestCollector({ env: { OPERATOR_TOKEN: TOKEN, ALERTMANAGER_URL: am } });
      stops.push(t.stop);
      const matchers = [
        { name: 'alertname', value: 'ConsumerStalled' },
        { name: 'group', value: 'payment-service' },
      ];
      const res = await post(t.api, {
        kind: 'silence',
        matchers,
        durationMs: 600_000,
        comment: 'restarting payment',
      });
      expect(res.status).toBe(201);
      const row = alertActionSchema.parse(res.body);
      expect(row.via).toBe('alertmanager');
      const silences = (await (await fetch(`${am}/api/v2/silences`)).json()) as {
        id: string;
        comment: string;
        createdBy: string;
        status: { state: string };
        matchers: { name: string; value: string }[];
      }[];
      const mine = silences.find((s) => s.id === row.externalId);
      expect(mine).toMatchObject({
        comment: 'restarting payment',
        createdBy: 'operator',
        status: { state: 'active' },
      });
      expect(mine!.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual([
        'alertname=ConsumerStalled',
        'group=payment-service',
      ]);
    },
  );

  it.skipIf(!existsSync(AM_BIN) || !existsSync(PROMETHEUS_BIN))(
    'with only PROMETHEUS_URL, silences go to the Alertmanager that Prometheus notifies',
    async () => {
      const am = await startAlertmanager();
      const prom = await startPrometheus({
        scrapeTargets: [],
        ruleFiles: [],
        alertmanagers: [new URL(am).host],
      });
      stops.push(() => prom.stop());
      await waitFor(
        async () => {
          const r = (await (await fetch(`${prom.url}/api/v1/alertmanagers`)).json()) as {
            data: { activeAlertmanagers: unknown[] };
          };
          return r.data.activeAlertmanagers.length > 0;
        },
        { what: 'Prometheus to know its Alertmanager' },
      );
      const t = await startTestCollector({ env: { OPERATOR_TOKEN: TOKEN, PROMETHEUS_URL: prom.url } });
      stops.push(t.stop);
      expect(alertActionsResponseSchema.parse((await t.api('/api/alerts/actions')).body).silencesVia).toBe(
        'alertmanager',
      );
      const matchers = [{ name: 'alertname', value: 'DeadLetterRecords' }];
      const row = alertActionSchema.parse(
        (await post(t.api, { kind: 'silence', matchers, durationMs: 600_000, comment: 'via discovery' }))
          .body,
      );
      expect(row.via).toBe('alertmanager');
      const silences = (await (await fetch(`${am}/api/v2/silences`)).json()) as {
        id: string;
        comment: string;
      }[];
      expect(silences.find((x) => x.id === row.externalId)?.comment).toBe('via discovery');
    },
  );
});
