// Fixed-row-height windowing: which rows to render for a scroll position. Pure, so it is unit
// tested; the component only measures the viewport and positions rows at `index * rowHeight`.

export interface WindowInput {
  readonly scrollTop: number;
  readonly viewportHeight: number;
  readonly rowHeight: number;
  readonly count: number;
  /** Extra rows above and below, so fast scrolling does not show blank space. */
  readonly overscan?: number;
}

export interface WindowRange {
  /** First rendered index (inclusive). */
  readonly start: number;
  /** Last rendered index (exclusive). */
  readonly end: number;
  /** Height of the whole list in px. */
  readonly totalHeight: number;
}

export function visibleRange({
  scrollTop,
  viewportHeight,
  rowHeight,
  count,
  overscan = 8,
}: WindowInput): WindowRange {
  const totalHeight = Math.max(0, count * rowHeight);
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, totalHeight };
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, totalHeight - viewportHeight)));
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, totalHeight };
}

/** The scrollTop that brings row `index` fully into view, or null if it already is. */
export function scrollToReveal(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number | null {
  const rowTop = index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  if (rowTop < scrollTop) return rowTop;
  if (rowBottom > scrollTop + viewportHeight) return rowBottom - viewportHeight;
  return null;
}

/** Whether the list is scrolled to (within a row of) its end: then new rows keep it there. */
export function isAtEnd(
  scrollTop: number,
  viewportHeight: number,
  totalHeight: number,
  slack: number,
): boolean {
  return scrollTop + viewportHeight >= totalHeight - slack;
}
