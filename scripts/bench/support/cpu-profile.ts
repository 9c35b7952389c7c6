import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { z } from 'zod';

// Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and answers "where did the time go":
// self time per function and per area of the code base (our folders, kafkajs, node internals,
// SQLite, GC), plus inclusive time for functions we name. Enough to back a finding with numbers
// without opening DevTools.

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({
        functionName: z.string(),
        url: z.string(),
        lineNumber: z.number(),
        columnNumber: z.number().optional(),
      }),
      hitCount: z.number().optional(),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()).optional(),
  timeDeltas: z.array(z.number()).optional(),
});

export interface ProfileSummary {
  readonly totalMs: number;
  readonly sampledMs: number;
  readonly idleMs: number;
  readonly byArea: { area: string; ms: number; pct: number }[];
  readonly topSelf: { fn: string; ms: number; pct: number }[];
  readonly inclusive: { fn: string; ms: number; pct: number }[];
}

function areaOf(url: string, fn: string, root: string): string {
  if (fn === '(garbage collector)') return 'gc';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'program (native, unattributed)';
  if (!url) return `native: ${fn || '(anonymous)'}`;
  // A browser profile: name the script (a Next.js chunk) by its file name.
  if (/^https?:/.test(url)) return `page: ${new URL(url).pathname.split('/').at(-1) || url}`;
  if (url.startsWith('node:'))
    return url
      .replace(/^node:(internal\/)?/, 'node:')
      .split('/')
      .slice(0, 2)
      .join('/');
  const path = url.startsWith('file://') ? relative(root, new URL(url).pathname) : url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return `npm: ${nm[1]}`;
  return path.split('/').slice(0, 2).join('/');
}

export function summarizeProfile(
  file: string,
  opts: {
    root: string;
    top?: number;
    inclusiveOf?: readonly string[];
    /** Only the samples in this window, in ms from the profile's start (a phase of a run). */
    windowMs?: readonly [number, number];
  },
): ProfileSummary {
  const p = profileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const totalMs = (p.endTime - p.startTime) / 1000;
  // Time per node from samples and their deltas (more exact than hitCount × mean interval).
  const selfUs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const [fromUs, toUs] = (opts.windowMs ?? [0, Infinity]).map((ms) => ms * 1000) as [number, number];
  let atUs = 0;
  for (let i = 0; i < samples.length; i++) {
    atUs += deltas[i] ?? 0;
    const dt = deltas[i + 1] ?? 0;
    if (atUs < fromUs || atUs > toUs) continue;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + dt);
  }
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: (typeof p.nodes)[number]) => {
    const cf = n.callFrame;
    // Our files by name and line; minified browser chunks by line and column.
    const at = cf.url.startsWith('file://')
      ? `/${cf.url.split('/').at(-1)}:${cf.lineNumber + 1}`
      : /^https?:/.test(cf.url)
        ? `:${cf.lineNumber + 1}:${(cf.columnNumber ?? 0) + 1}`
        : '';
    const where = cf.url ? `${areaOf(cf.url, cf.functionName, opts.root)}${at}` : '';
    return `${cf.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };

  let sampledUs = 0;
  let idleUs = 0;
  const area = new Map<string, number>();
  const self = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    sampledUs += us;
    const a = areaOf(n.callFrame.url, n.callFrame.functionName, opts.root);
    if (a === 'idle') idleUs += us;
    area.set(a, (area.get(a) ?? 0) + us);
    const l = label(n);
    self.set(l, (self.get(l) ?? 0) + us);
  }
  // Inclusive: each sample counts once for every distinct named function on its stack.
  const wanted = new Set(opts.inclusiveOf ?? []);
  const incl = new Map<string, number>();
  if (wanted.size)
    for (const [id, us] of selfUs) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const fn = byId.get(cur)?.callFrame.functionName ?? '';
        if (wanted.has(fn) && !seen.has(fn)) {
          seen.add(fn);
          incl.set(fn, (incl.get(fn) ?? 0) + us);
        }
      }
    }
  const busyUs = Math.max(1, sampledUs - idleUs);
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => ({ k, ms: Math.round(us / 1000), pct: Math.round((us / busyUs) * 1000) / 10 }));
  return {
    totalMs,
    sampledMs: sampledUs / 1000,
    idleMs: idleUs / 1000,
    byArea: rows(area, 25).map(({ k, ms, pct }) => ({ area: k, ms, pct })),
    topSelf: rows(self, opts.top ?? 30).map(({ k, ms, pct }) => ({ fn: k, ms, pct })),
    inclusive: rows(incl, wanted.size).map(({ k, ms, pct }) => ({ fn: k, ms, pct })),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const lines = [
    `profile: ${Math.round(s.totalMs)} ms wall, ${Math.round(s.sampledMs - s.idleMs)} ms busy (percentages are of busy time)`,
    'by area:',
    ...s.byArea
      .filter((a) => a.area !== 'idle')
      .map((a) => `  ${a.pct.toFixed(1).padStart(5)}%  ${String(a.ms).padStart(7)} ms  ${a.area}`),
    'top self time:',
    ...s.topSelf
      .filter((f) => !f.fn.startsWith('(idle)'))
      .map((f) => `  ${f.pct.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.fn}`),
  ];
  if (s.inclusive.length)
    lines.push(
      'inclusive:',
      ...s.inclusive.map(
        (f) => `  ${f.pct.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.fn}`,
      ),
    );
  return lines.join('\n');
}
