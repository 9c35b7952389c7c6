import { describe, expect, it } from 'vitest';
import { isAtEnd, scrollToReveal, visibleRange } from './virtual-window.ts';

describe('visibleRange', () => {
  it('renders the rows in view plus overscan, never the whole list', () => {
    const r = visibleRange({ scrollTop: 2800, viewportHeight: 560, rowHeight: 28, count: 5000, overscan: 5 });
    expect(r).toEqual({ start: 95, end: 126, totalHeight: 140_000 });
  });

  it('clamps at both ends', () => {
    expect(visibleRange({ scrollTop: 0, viewportHeight: 100, rowHeight: 20, count: 3, overscan: 8 })).toEqual(
      { start: 0, end: 3, totalHeight: 60 },
    );
    const end = visibleRange({
      scrollTop: 1e9,
      viewportHeight: 100,
      rowHeight: 20,
      count: 1000,
      overscan: 2,
    });
    expect(end.end).toBe(1000);
    // The last full viewport starts at row 995 (19,900 px); overscan adds two above it.
    expect(end.start).toBe(993);
  });

  it('is empty for an empty list', () => {
    expect(visibleRange({ scrollTop: 0, viewportHeight: 100, rowHeight: 20, count: 0 })).toEqual({
      start: 0,
      end: 0,
      totalHeight: 0,
    });
  });
});

describe('scrollToReveal', () => {
  it('scrolls up or down just enough, or not at all', () => {
    expect(scrollToReveal(2, 100, 200, 20)).toBe(40);
    expect(scrollToReveal(20, 100, 200, 20)).toBe(220);
    expect(scrollToReveal(8, 100, 200, 20)).toBeNull();
  });
});

describe('isAtEnd', () => {
  it('allows a row of slack', () => {
    expect(isAtEnd(780, 200, 1000, 28)).toBe(true);
    expect(isAtEnd(700, 200, 1000, 28)).toBe(false);
  });
});
