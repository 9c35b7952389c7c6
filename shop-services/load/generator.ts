import { parseArgs } from 'node:util';
import { z } from 'zod';

// The load generator behind `npm run load`: an open model (k6's constant-arrival-rate) that
// starts requests on a fixed schedule whether or not earlier ones finished, so a slow shop shows
// up as latency and dropped iterations instead of quietly lowering the offered rate (the
// coordinated-omission trap of closed-loop generators).

export interface LoadOptions {
  readonly url: string;
  readonly rate: number;
  readonly durationMs: number;
  /** Requests in flight beyond this are dropped (counted), as k6 does when it runs out of VUs. */
  readonly maxInFlight: number;
  readonly customers: number;
}

export interface LoadReport {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly errors: number;
  readonly dropped: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly achievedRate: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `60s`, `2m`, `1h`; a bare number is seconds. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`invalid duration "${text}": use e.g. 500ms, 60s, 2m`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
}

const argsSchema = z.object({
  url: z.url(),
  rate: z.coerce.number().positive().max(100_000),
  duration: z.string().transform((d, ctx) => {
    try {
      return parseDuration(d);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : 'invalid duration' });
      return z.NEVER;
    }
  }),
  'max-in-flight': z.coerce.number().int().positive().default(2000),
  customers: z.coerce.number().int().positive().default(500),
});

export function parseLoadArgs(argv: readonly string[]): LoadOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:7001' },
      rate: { type: 'string', default: '50' },
      duration: { type: 'string', default: '30s' },
      'max-in-flight': { type: 'string' },
      customers: { type: 'string' },
    },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  const a = parsed.data;
  return {
    url: a.url,
    rate: a.rate,
    durationMs: a.duration,
    maxInFlight: a['max-in-flight'],
    customers: a.customers,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const CATALOG = [
  ['sku-red-mug', 12.5],
  ['sku-blue-mug', 12.5],
  ['sku-tea-tin', 8.9],
  ['sku-coffee-1kg', 24.0],
  ['sku-grinder', 89.0],
  ['sku-kettle', 59.9],
  ['sku-filter-pack', 4.5],
  ['sku-scale', 34.0],
  ['sku-dripper', 22.0],
  ['sku-carafe', 29.5],
  ['sku-spoon', 3.2],
  ['sku-gift-card', 50.0],
] as const;

/** A plausible order: a returning customer from a pool, 1–3 lines, mostly cards, some express. */
export function randomOrder(customers: number, random: () => number = Math.random) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const lines = 1 + Math.floor(random() * 3);
  const r = random();
  return {
    customerId: `cust-${String(1 + Math.floor(random() * customers)).padStart(5, '0')}`,
    items: Array.from({ length: lines }, () => {
      const [sku, price] = pick(CATALOG);
      return { sku, qty: 1 + Math.floor(random() * 3), price };
    }),
    currency: 'EUR',
    paymentMethod: r < 0.7 ? 'card' : r < 0.9 ? 'wallet' : 'bank-transfer',
    express: random() < 0.2,
  };
}

export async function runLoad(opts: LoadOptions, onTick?: (sent: number) => void): Promise<LoadReport> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let sent = 0;
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const target = `${opts.url.replace(/\/+$/, '')}/orders`;
  const total = Math.floor((opts.rate * opts.durationMs) / 1000);
  const intervalMs = 1000 / opts.rate;
  const start = performance.now();

  const fire = () => {
    if (inFlight >= opts.maxInFlight) {
      dropped++;
      return;
    }
    sent++;
    inFlight++;
    const t0 = performance.now();
    const p = fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(randomOrder(opts.customers)),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      })
      .catch(() => {
        errors++;
      })
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  };

  for (let i = 0; i < total;) {
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (i < due) {
      fire();
      i++;
    }
    onTick?.(sent);
    const next = start + i * intervalMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  const elapsedMs = performance.now() - start;
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const ok = Object.entries(statuses)
    .filter(([s]) => s.startsWith('2'))
    .reduce((n, [, c]) => n + c, 0);
  return {
    sent,
    ok,
    failed: sent - ok - errors,
    errors,
    dropped,
    statuses,
    elapsedMs,
    achievedRate: (sent / elapsedMs) * 1000,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
  };
}

export function formatReport(opts: LoadOptions, r: LoadReport): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return [
    `target        ${opts.url}/orders at ${opts.rate}/s for ${(opts.durationMs / 1000).toFixed(1)} s`,
    `sent          ${r.sent} (${r.achievedRate.toFixed(1)}/s achieved), dropped ${r.dropped}`,
    `responses     ${r.ok} ok, ${r.failed} non-2xx, ${r.errors} errors  ${JSON.stringify(r.statuses)}`,
    `latency       p50 ${ms(r.latencyMs.p50)}  p95 ${ms(r.latencyMs.p95)}  p99 ${ms(r.latencyMs.p99)}  max ${ms(r.latencyMs.max)}`,
  ].join('\n');
}
