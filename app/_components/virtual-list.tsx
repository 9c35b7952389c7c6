'use client';

import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
  type RefObject,
} from 'react';
import { isAtEnd, scrollToReveal, visibleRange } from '../_lib/virtual-window.ts';

const FOLLOW_OVERSCAN = 2;

/** The element's content height, kept by a ResizeObserver (`fallback` until it first reports). */
function useContentHeight(ref: RefObject<HTMLElement | null>, fallback: number): number {
  const [measured, setMeasured] = useState<number | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setMeasured(entry.contentRect.height);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return measured ?? fallback;
}

export interface VirtualListProps {
  readonly count: number;
  readonly rowHeight: number;
  readonly height: number;
  /** Stable identity of row `index`; used to keep the viewport still when rows leave the top. */
  readonly firstKey?: number;
  /**
   * Stick to the end while the reader is there (a tail); scrolling away from the end stops it,
   * scrolling back resumes it. A paused tail keeps this on: its rows do not change.
   */
  readonly follow?: boolean;
  readonly activeIndex: number | null;
  readonly onActivate: (index: number) => void;
  readonly onOpen: (index: number) => void;
  /** The cells of row `index`; the list provides the positioned, clickable row around them. */
  readonly renderRow: (index: number, active: boolean) => ReactNode;
  readonly label: string;
  readonly testid: string;
}

/**
 * A list that renders only the rows in view (fixed row height). Keyboard: the list is one tab
 * stop; arrows move the active row, Home/End jump, Enter opens it.
 *
 * Built for a list that changes many times a second (the live tail): the scroll position is
 * derived in render from what the component already knows (count × rowHeight, the viewport from
 * a ResizeObserver), so a commit never reads layout (`scrollHeight`, `clientHeight`) and never
 * sets state from a layout effect (a second render per commit). It writes `scrollTop` only when
 * the derived position differs from the last one written or scrolled to.
 */
export function VirtualList(props: VirtualListProps) {
  const {
    count,
    rowHeight,
    height,
    firstKey = 0,
    follow = false,
    activeIndex,
    onActivate,
    onOpen,
    renderRow,
  } = props;
  const ref = useRef<HTMLDivElement>(null);
  const viewport = useContentHeight(ref, height);
  // Where the reader is, in pixels from the start of the stream (firstKey × rowHeight + scrollTop):
  // rows evicted from the top then move the list under the reader, not the rows they are reading.
  const [position, setPosition] = useState(0);
  // Scrolled to the end: a following list stays there as rows arrive.
  const [atEnd, setAtEnd] = useState(true);
  const lastScrollTop = useRef(0);

  const base = firstKey * rowHeight;
  const totalHeight = count * rowHeight;
  const maxTop = Math.max(0, totalHeight - viewport);
  const following = follow && atEnd;
  const top = following ? maxTop : Math.min(maxTop, Math.max(0, position - base));

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || lastScrollTop.current === top) return;
    lastScrollTop.current = top;
    el.scrollTop = top;
  }, [top]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    const scrollTop = el.scrollTop;
    // The echo of our own write above: nothing moved that render does not already know.
    if (scrollTop === lastScrollTop.current) return;
    lastScrollTop.current = scrollTop;
    setPosition(base + scrollTop);
    setAtEnd(isAtEnd(scrollTop, viewport, totalHeight, rowHeight));
  }, [base, viewport, totalHeight, rowHeight]);

  useEffect(() => {
    const el = ref.current;
    if (!el || activeIndex === null) return;
    const target = scrollToReveal(activeIndex, el.scrollTop, el.clientHeight, rowHeight);
    if (target !== null) el.scrollTop = target;
  }, [activeIndex, rowHeight]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (count === 0) return;
    const current = activeIndex ?? -1;
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = Math.min(count - 1, current + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, current - 1);
    else if (e.key === 'PageDown') next = Math.min(count - 1, current + page);
    else if (e.key === 'PageUp') next = Math.max(0, current - page);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = count - 1;
    else if (e.key === 'Enter' && activeIndex !== null) {
      e.preventDefault();
      onOpen(activeIndex);
      return;
    }
    if (next !== null) {
      e.preventDefault();
      onActivate(next);
    }
  };

  // Following, nobody is scrolling: a little overscan is enough, and the rows keep their DOM nodes
  // (keyed by place in the window) so a commit rewrites text instead of mounting a new set of rows.
  // Otherwise rows are keyed by their place in the stream, so a row being read (or selected as
  // text) keeps its node while older rows leave the top.
  const { start, end } = visibleRange({
    scrollTop: top,
    viewportHeight: viewport,
    rowHeight,
    count,
    ...(following && { overscan: FOLLOW_OVERSCAN }),
  });
  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    const active = i === activeIndex;
    rows.push(
      <div
        key={following ? i - start : firstKey + i}
        id={`${props.testid}-row-${i}`}
        role="option"
        aria-selected={active}
        className={active ? 'vrow selected' : 'vrow'}
        style={{ top: i * rowHeight, height: rowHeight }}
        data-testid={`${props.testid}-row`}
        data-index={i}
        onClick={() => {
          onActivate(i);
          onOpen(i);
        }}
      >
        {renderRow(i, active)}
      </div>,
    );
  }

  return (
    <div
      ref={ref}
      className="vlist"
      style={{ height }}
      tabIndex={0}
      role="listbox"
      aria-label={props.label}
      aria-activedescendant={activeIndex !== null ? `${props.testid}-row-${activeIndex}` : undefined}
      data-testid={props.testid}
      data-count={count}
      data-rendered={end - start}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
    >
      <div className="vlist-spacer" style={{ height: totalHeight }}>
        {rows}
      </div>
    </div>
  );
}
