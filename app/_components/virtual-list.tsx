'use client';

import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { isAtEnd, scrollToReveal, visibleRange } from '../_lib/virtual-window.ts';

export interface VirtualListProps {
  readonly count: number;
  readonly rowHeight: number;
  readonly height: number;
  /** Stable identity of row `index`; used to keep the viewport still when rows leave the top. */
  readonly firstKey?: number;
  /** Stick to the end while the user is there (a tail). */
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
  const [scrollTop, setScrollTop] = useState(0);
  const atEnd = useRef(true);
  const lastFirstKey = useRef(firstKey);

  // Rows evicted from the top move everything up; shift the scroll by as much so the rows the
  // reader is looking at stay put.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const shift = firstKey - lastFirstKey.current;
    lastFirstKey.current = firstKey;
    if (follow && atEnd.current) {
      el.scrollTop = el.scrollHeight;
    } else if (shift > 0) {
      el.scrollTop = Math.max(0, el.scrollTop - shift * rowHeight);
    }
    setScrollTop(el.scrollTop);
  }, [count, firstKey, follow, rowHeight]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    atEnd.current = isAtEnd(el.scrollTop, el.clientHeight, el.scrollHeight, rowHeight);
    setScrollTop(el.scrollTop);
  }, [rowHeight]);

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

  const { start, end, totalHeight } = visibleRange({ scrollTop, viewportHeight: height, rowHeight, count });
  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    const active = i === activeIndex;
    rows.push(
      <div
        key={firstKey + i}
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
