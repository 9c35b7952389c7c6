import { describe, expect, it } from 'vitest';
import { createOffsetTimeTable, lagSeconds } from './time-table.ts';

describe('offset/time table (time lag)', () => {
  it('keeps only the first and latest point of a flat run', () => {
    const t = createOffsetTimeTable();
    t.add(100, 1000);
    for (let i = 1; i <= 50; i++) t.add(100, 1000 + i * 1000);
    t.add(150, 60_000);
    expect(t.points()).toEqual([
      { offset: 100, at: 1000 },
      { offset: 100, at: 51_000 },
      { offset: 150, at: 60_000 },
    ]);
  });

  it('stays bounded, dropping the oldest points', () => {
    const t = createOffsetTimeTable(60);
    for (let i = 0; i < 500; i++) t.add(i * 10, i * 1000);
    expect(t.points()).toHaveLength(60);
    expect(t.points()[0]).toEqual({ offset: 4400, at: 440_000 });
  });

  it('interpolates between the neighbouring points', () => {
    const t = createOffsetTimeTable();
    t.add(100, 10_000);
    t.add(200, 20_000);
    t.add(400, 25_000);
    expect(t.timeOf(150)).toBe(15_000);
    expect(t.timeOf(300)).toBe(22_500);
    expect(t.timeOf(200)).toBe(20_000);
  });

  it('reads an offset at the end of a flat run as the latest time it was not produced yet', () => {
    const t = createOffsetTimeTable();
    t.add(100, 0);
    t.add(100, 30_000);
    t.add(200, 40_000);
    // Record 100 did not exist at 30 s (the high watermark was still 100), and 200 existed at 40 s.
    expect(t.timeOf(100)).toBe(30_000);
    expect(t.timeOf(150)).toBe(35_000);
  });

  it('extrapolates before the first point and after the last from the nearest moving segment', () => {
    const t = createOffsetTimeTable();
    t.add(100, 10_000);
    t.add(100, 12_000);
    t.add(200, 22_000); // 100 ms per offset
    t.add(200, 30_000);
    expect(t.timeOf(50)).toBe(10_000 - 50 * 100);
    expect(t.timeOf(250)).toBe(30_000 + 50 * 100);
  });

  it('knows nothing with fewer than two points', () => {
    const t = createOffsetTimeTable();
    expect(t.timeOf(5)).toBeNull();
    t.add(10, 1000);
    expect(t.timeOf(5)).toBeNull();
    expect(lagSeconds(t, 5, 5, 9000)).toBeNull();
    expect(lagSeconds(t, 10, 0, 9000)).toBe(0);
  });

  it('with no production seen, dates an older offset to the first observation (a lower bound)', () => {
    const t = createOffsetTimeTable();
    t.add(10, 1000);
    t.add(10, 5000);
    expect(t.timeOf(3)).toBe(1000);
    expect(lagSeconds(t, 3, 7, 11_000)).toBe(10);
  });

  it('starts over when the high watermark goes back (topic recreated)', () => {
    const t = createOffsetTimeTable();
    t.add(500, 1000);
    t.add(600, 2000);
    t.add(3, 3000);
    expect(t.points()).toEqual([{ offset: 3, at: 3000 }]);
  });

  it('turns the production time into seconds of lag, never negative, 0 when caught up', () => {
    const t = createOffsetTimeTable();
    t.add(0, 0);
    t.add(1000, 100_000);
    expect(lagSeconds(t, 500, 500, 100_000)).toBe(50);
    expect(lagSeconds(t, 999, 1, 40_000)).toBe(0);
    expect(lagSeconds(t, 1000, 0, 500_000)).toBe(0);
  });
});
