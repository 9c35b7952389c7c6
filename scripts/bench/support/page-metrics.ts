import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

// What the render benchmark reads inside the page: long tasks (PerformanceObserver 'longtask'),
// the moment the first waterfall rows were painted, and frames drawn over a span of time
// (requestAnimationFrame counting).

// Runs in the page before any of its scripts: long tasks, and the moment the first waterfall rows
// are on screen (two frames after they enter the DOM, i.e. after they were painted).
export const INIT_SCRIPT = `
window.__bench = { longtasks: [], wfPainted: null };
try {
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__bench.longtasks.push({ start: e.startTime, duration: e.duration }); })
    .observe({ type: 'longtask', buffered: true });
} catch {}
const mo = new MutationObserver(() => {
  if (window.__bench.wfSeen || !document.querySelector('[data-testid="waterfall-list-row"]')) return;
  window.__bench.wfSeen = performance.now();
  requestAnimationFrame(() => requestAnimationFrame(() => { window.__bench.wfPainted = performance.now(); }));
});
mo.observe(document, { subtree: true, childList: true });
`;

export interface BenchWindow {
  __bench: { longtasks: { start: number; duration: number }[]; wfPainted: number | null; wfSeen?: number };
}

export async function countFrames(
  page: Page,
  ms: number,
): Promise<{ frames: number; elapsed: number; longest: number; longtasks: number[] }> {
  return page.evaluate(async (duration) => {
    const w = window as unknown as BenchWindow;
    w.__bench.longtasks = [];
    let frames = 0;
    let longest = 0;
    let prev = performance.now();
    const t0 = prev;
    await new Promise<void>((resolve) => {
      const tick = (t: number) => {
        frames++;
        longest = Math.max(longest, t - prev);
        prev = t;
        if (t - t0 < duration) requestAnimationFrame(tick);
        else resolve();
      };
      requestAnimationFrame(tick);
    });
    return {
      frames,
      elapsed: performance.now() - t0,
      longest,
      longtasks: w.__bench.longtasks.map((l) => l.duration),
    };
  }, ms);
}

/** Samples the page's JavaScript with the DevTools protocol while `during` runs; returns the profile file. */
export async function profilePage<T>(page: Page, file: string, during: () => Promise<T>): Promise<T> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  try {
    return await during();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    await cdp.detach();
  }
}
