import type { z } from 'zod';

// URL state: filters and selection live in the query string so a view can be pasted into an
// incident channel. Each view declares a zod object for its params; values that do not parse are
// dropped one by one (a stale link with one bad field still opens the rest).

type Shape = Record<string, z.ZodType>;

export type SearchParamsLike = Pick<URLSearchParams, 'get' | 'getAll' | 'has'>;

/** Reads each key of `shape` from `sp`; invalid or missing values become undefined. */
export function readUrlState<S extends Shape>(
  sp: SearchParamsLike,
  shape: S,
): { [K in keyof S]?: z.infer<S[K]> } {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    if (!sp.has(key)) continue;
    const raw = sp.get(key);
    const parsed = schema.safeParse(raw);
    if (parsed.success && parsed.data !== undefined && parsed.data !== '') out[key] = parsed.data;
  }
  return out as { [K in keyof S]?: z.infer<S[K]> };
}

export type UrlValue = string | number | boolean | null | undefined;

/**
 * Applies `patch` to `current` and returns the new query string (with '?' or ''). `null`,
 * `undefined`, '' and `false` remove a key, so defaults never clutter the URL.
 */
export function patchSearch(current: string | URLSearchParams, patch: Record<string, UrlValue>): string {
  const sp = new URLSearchParams(current);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '' || v === false) sp.delete(k);
    else sp.set(k, String(v));
  }
  sp.sort();
  const s = sp.toString();
  return s ? `?${s}` : '';
}

/** Comma-separated list params (`topics=a,b`) → trimmed, non-empty items. */
export function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
