import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chainSchema } from '../../lib/api/chains.ts';
import { chainMessages, postSpans, spansFor } from './support/big-chain.ts';
import type { Cleanup } from './support/cleanup.ts';
import { REPO_ROOT } from './support/collector-process.ts';
import { consoleBuild, startConsoleProcess } from './support/console-process.ts';
import type { BenchContext } from './support/context.ts';
import { benchKafka, connectedAdmin, createBenchTopics } from './support/kafka.ts';
import { countFrames, INIT_SCRIPT, profilePage, type BenchWindow } from './support/page-metrics.ts';
import { formatSummary, summarizeProfile } from './support/cpu-profile.ts';
import { emit, percentile, progress, sleep, waitUntil } from './support/report.ts';
import { startTailFeed } from './support/tail-feed.ts';
import { startTopicCollector } from './support/topic-collector.ts';

// Benchmark 6: the console in Chromium. (a) One chain of records + spans (default 2,000 + 3,000,
// the chain view's own caps) built through the real path (Kafka → collector, spans over OTLP), then
// the waterfall page: navigation → first rows painted, and the render part alone (chain response
// received → rows painted); then wheel-scrolling the waterfall with a long-task observer and a
// frame counter. (b) The live-tail page fed at 5,000 records/s by a stand-in for the collector's
// WebSocket (same frame contract; the real collector cannot ingest that fast here, see tail):
// frames drawn vs the same page idle, and long tasks.

const B = 'render';
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const WARM_LOADS = 3;
const TAIL_RATE = 5000;
const TAIL_MS = 10_000;

function notRun(reason: string) {
  progress(B, `not run: ${reason}`);
  for (const [figure, target] of [
    ['chain_first_render', 500],
    ['chain_scroll_longest_task', 200],
    ['tail_frames_dropped_pct', undefined],
  ] as const)
    emit({
      bench: B,
      figure,
      value: null,
      unit: figure.endsWith('pct') ? '%' : 'ms',
      ...(target !== undefined && { target }),
      note: `not run: ${reason}`,
    });
}

export async function renderBench(ctx: BenchContext, cleanup: Cleanup): Promise<void> {
  const build = consoleBuild();
  if (!build) return notRun('no console build (.next/BUILD_ID); run `npm run build` first');
  const { chainRecords, chainSpans } = ctx.opts;
  const kafka = benchKafka(ctx.opts.brokers, `bench-render-${ctx.runId}`);
  const admin = await connectedAdmin(kafka, cleanup);
  const topic = `bench-render-${ctx.runId}-chain`;
  await createBenchTopics(admin, cleanup, [{ topic, numPartitions: 1 }]);
  const { collector, dataDir } = await startTopicCollector({ bench: B, topic, ctx, admin, cleanup });

  // The chain: one order whose records span many traces, every record with a producer span, the
  // first ones also with a consumer span joined by topic/partition/offset.
  const orderId = `bench-${ctx.runId}-big-order`;
  const { messages, meta } = chainMessages(
    ctx.runId,
    orderId,
    chainRecords,
    Date.now() - chainRecords * 30 - 60_000,
  );
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const disconnect = cleanup.add('producer disconnect', () => producer.disconnect());
  for (let i = 0; i < messages.length; i += 500)
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
  await disconnect();
  const spans = spansFor(topic, meta, chainSpans);
  await waitUntil(
    'the chain records to be stored',
    async () => ((await collector.health()).recordsStored >= chainRecords ? true : undefined),
    { timeoutMs: 300_000, intervalMs: 500 },
  );
  await postSpans(collector.otlpUrl, spans);
  const chain = await waitUntil(
    'the chain view to hold every record and span',
    async () => {
      const res = await fetch(`${collector.apiUrl}/api/chains/${encodeURIComponent(orderId)}`);
      if (!res.ok) return undefined;
      const c = chainSchema.parse(await res.json());
      return c.records.length >= chainRecords && c.spans.length >= spans.length ? c : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
  const apiStart = performance.now();
  await fetch(`${collector.apiUrl}/api/chains/${encodeURIComponent(orderId)}`).then((r) => r.arrayBuffer());
  const apiMs = performance.now() - apiStart;
  progress(
    B,
    `chain ${orderId}: ${chain.records.length} records, ${chain.spans.length} spans, ${chain.hops.length} hops${chain.truncated ? ' (truncated)' : ''}; GET /api/chains/:id ${Math.round(apiMs)} ms`,
  );

  const feed = await startTailFeed(cleanup);
  const consoleApp = await startConsoleProcess({
    collectorUrl: collector.apiUrl,
    publicWsBase: feed.publicUrl,
    logDir: dataDir,
    cleanup,
  });
  progress(B, `console ${consoleApp.url} (build of ${build.builtAt.toISOString()})`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  cleanup.add('close browser', () => browser.close());
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(INIT_SCRIPT);
  const page = await context.newPage();
  // With --profile: the page's JavaScript during scrolling and during the tail, summarised by chunk.
  const profiled = async <T>(phase: string, during: () => Promise<T>): Promise<T> => {
    if (!ctx.opts.profile) return during();
    const dir = join(ctx.profileRoot, 'render');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${phase}.cpuprofile`);
    const out = await profilePage(page, file, during);
    progress(
      B,
      `page CPU profile (${phase}) ${file}\n${formatSummary(summarizeProfile(file, { root: REPO_ROOT, top: 20 }))}`,
    );
    return out;
  };

  // (a) first render, cold (new context: nothing cached) then warm.
  const chainUrl = `${consoleApp.url}/chains/${encodeURIComponent(orderId)}`;
  const loads: { total: number; render: number; fetch: number }[] = [];
  for (let i = 0; i <= WARM_LOADS; i++) {
    const load = async () => {
      await page.goto(chainUrl, { waitUntil: 'commit' });
      await page.waitForFunction(
        () => (window as unknown as BenchWindow).__bench.wfPainted !== null,
        undefined,
        { timeout: 60_000 },
      );
    };
    if (i === WARM_LOADS) await profiled('chain-load', load);
    else await load();
    const m = await page.evaluate(() => {
      const w = window as unknown as BenchWindow;
      const res = performance
        .getEntriesByType('resource')
        .filter((e) => e.name.includes('/api/chains/')) as PerformanceResourceTiming[];
      const last = res.at(-1);
      return {
        painted: w.__bench.wfPainted ?? 0,
        responseEnd: last?.responseEnd ?? 0,
        fetchStart: last?.startTime ?? 0,
      };
    });
    loads.push({ total: m.painted, render: m.painted - m.responseEnd, fetch: m.responseEnd - m.fetchStart });
    progress(
      B,
      `${i === 0 ? 'cold' : 'warm'} load: painted at ${Math.round(m.painted)} ms after navigation; chain fetch ${Math.round(m.responseEnd - m.fetchStart)} ms; render after data ${Math.round(m.painted - m.responseEnd)} ms`,
    );
  }
  const rows = Number(await page.getAttribute('[data-testid="waterfall-list"]', 'data-count'));
  const warm = loads.slice(1);

  // (a) scrolling: wheel over the list, 60 notches of 600 px, 25 ms apart, then to the end and back.
  await sleep(1000);
  const box = await page.locator('[data-testid="waterfall-list"]').boundingBox();
  if (!box) throw new Error('waterfall list not visible');
  await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 300));
  const scroll = await profiled('scroll', async () => {
    const frames = countFrames(page, 60 * 25 + 1500);
    for (let i = 0; i < 60; i++) {
      await page.mouse.wheel(0, 600);
      await sleep(25);
    }
    await page.keyboard.press('End');
    await sleep(300);
    await page.keyboard.press('Home');
    return frames;
  });
  const scrollLongest = Math.max(0, ...scroll.longtasks);
  progress(
    B,
    `scroll: ${scroll.longtasks.length} long tasks (longest ${Math.round(scrollLongest)} ms), ${scroll.frames} frames in ${Math.round(scroll.elapsed)} ms, longest frame gap ${Math.round(scroll.longest)} ms`,
  );

  // (b) live tail: frames of the idle page, then at 5,000 records/s.
  await page.goto(`${consoleApp.url}/tail`, { waitUntil: 'load' });
  await page.waitForSelector('[data-testid="tail-connection"][data-state="open"]', { timeout: 30_000 });
  const idle = await countFrames(page, 3000);
  feed.setRate(TAIL_RATE);
  await page.waitForSelector('[data-testid="tail-list"]', { timeout: 30_000 });
  const sentBefore = feed.sent();
  const busy = await profiled('tail', () => countFrames(page, TAIL_MS));
  const sentDuring = feed.sent() - sentBefore;
  feed.setRate(0);
  const received = await page.textContent('[data-testid="tail-received"]');
  const idleFps = (idle.frames / idle.elapsed) * 1000;
  const busyFps = (busy.frames / busy.elapsed) * 1000;
  const droppedPct = Math.max(0, (1 - busyFps / idleFps) * 100);
  const tailLongest = Math.max(0, ...busy.longtasks);
  progress(
    B,
    `tail at ${Math.round((sentDuring / busy.elapsed) * 1000)} records/s: ${busyFps.toFixed(1)} fps vs ${idleFps.toFixed(1)} idle (${droppedPct.toFixed(1)}% frames dropped), ${busy.longtasks.length} long tasks (longest ${Math.round(tailLongest)} ms), longest frame gap ${Math.round(busy.longest)} ms; page shows "${received ?? ''}"`,
  );
  await browser.close();

  const c = { records: chain.records.length, spans: chain.spans.length, rows, chromium: browser.version() };
  emit({
    bench: B,
    figure: 'chain_first_render',
    value: percentile(
      warm.map((l) => l.render),
      50,
    ),
    unit: 'ms',
    target: 500,
    ...c,
    note: 'chain response received → first rows painted, median of warm loads',
  });
  emit({
    bench: B,
    figure: 'chain_navigation_to_paint',
    value: percentile(
      warm.map((l) => l.total),
      50,
    ),
    unit: 'ms',
    target: 500,
    ...c,
    cold: loads[0]!.total,
    chainFetchMs: percentile(
      warm.map((l) => l.fetch),
      50,
    ),
    note: 'navigation start → first rows painted (page, JS, chain fetch through the console, render), median of warm loads',
  });
  emit({
    bench: B,
    figure: 'chain_scroll_longest_task',
    value: scrollLongest,
    unit: 'ms',
    target: 200,
    ...c,
    longTasks: scroll.longtasks.length,
    longestFrameGapMs: scroll.longest,
    frames: scroll.frames,
    scrollMs: scroll.elapsed,
  });
  emit({
    bench: B,
    figure: 'tail_frames_dropped_pct',
    value: droppedPct,
    unit: '%',
    records: sentDuring,
    rate: (sentDuring / busy.elapsed) * 1000,
    idleFps,
    busyFps,
    longTasks: busy.longtasks.length,
    longestTaskMs: tailLongest,
    longestFrameGapMs: busy.longest,
    note: 'stand-in WebSocket feed at 5,000 records/s; frames vs the idle page',
  });
  emit({
    bench: B,
    figure: 'tail_longest_task',
    value: tailLongest,
    unit: 'ms',
    target: 200,
    records: sentDuring,
  });
}
