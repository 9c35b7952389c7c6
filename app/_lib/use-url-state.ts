'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import type { z } from 'zod';
import { patchSearch, readUrlState, type UrlValue } from './url-state.ts';

/**
 * `[state, setState]` backed by the query string. `shape` must be a module-level constant, so
 * the parsed state is stable between renders. Filter changes replace the history entry; pass
 * `{ push: true }` for selections the Back button should undo.
 */
export function useUrlState<S extends Record<string, z.ZodType>>(shape: S) {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const state = useMemo(() => readUrlState(searchParams, shape), [searchParams, shape]);
  const setState = useCallback(
    (patch: { [K in keyof S]?: UrlValue }, opts: { push?: boolean } = {}) => {
      const href = `${pathname}${patchSearch(searchParams.toString(), patch)}`;
      if (opts.push) router.push(href, { scroll: false });
      else router.replace(href, { scroll: false });
    },
    [pathname, router, searchParams],
  );
  return [state, setState] as const;
}
