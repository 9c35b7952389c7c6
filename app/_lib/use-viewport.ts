'use client';

import { useEffect, useState } from 'react';

/** The viewport height minus `reserved` px (header, filters), at least `min`. */
export function useViewportHeight(reserved: number, min: number): number {
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const update = () => setHeight(Math.max(min, window.innerHeight - reserved));
    update();
    window.addEventListener('resize', update);
    return () => window.removeEventListener('resize', update);
  }, [reserved, min]);
  return height;
}

/** The current time, refreshed every `intervalMs` (for "3 s ago" and countdowns). */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

/** The content width of an element, kept up to date with a ResizeObserver. */
export function useElementWidth<T extends HTMLElement>(fallback: number) {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    if (!el) return;
    const update = () => setWidth(el.clientWidth || fallback);
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el, fallback]);
  return [setEl, width] as const;
}
