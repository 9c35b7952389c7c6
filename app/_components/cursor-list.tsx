'use client';

import { useMemo, type ReactNode } from 'react';
import { QueryStates } from './states.tsx';

// A list's rows as cursor pages of the collector (chains, sagas, dead letters, records): the rows
// loaded so far, their loading / error / empty states, and "Load more" until the server says
// there is no next page.

/** What the list pieces read of an infinite query over the collector's cursor pages. */
interface CursorQuery<T> {
  data: { pages: readonly { readonly items: readonly T[] }[] } | undefined;
  isPending: boolean;
  isSuccess: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** The rows of every page loaded so far, in order; the same array until a page arrives. */
export function usePagedItems<T>(query: Pick<CursorQuery<T>, 'data'>): T[] {
  return useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
}

/**
 * A list's body: loading and error states, `empty` once the first page answered with no rows,
 * else `children` (the rows), also those kept after a failed refetch.
 */
export function ListRows({
  query,
  loaded,
  what,
  empty,
  children,
}: {
  query: Pick<CursorQuery<unknown>, 'isPending' | 'isSuccess' | 'isError' | 'error' | 'refetch'>;
  loaded: number;
  what: string;
  empty: ReactNode;
  children: ReactNode;
}) {
  return (
    <>
      <QueryStates query={query} what={what} empty={query.isSuccess && loaded === 0 ? empty : null} />
      {loaded > 0 ? children : null}
    </>
  );
}

/**
 * Cursor paging, once the first page answered: the rows loaded so far and a "Load more" while
 * the server has a next page.
 */
export function LoadMore({
  query,
  loaded,
  testid,
}: {
  query: Pick<CursorQuery<unknown>, 'isSuccess' | 'hasNextPage' | 'isFetchingNextPage' | 'fetchNextPage'>;
  loaded: number;
  testid: string;
}) {
  if (!query.isSuccess) return null;
  const hasNext = query.hasNextPage;
  return (
    <div
      className="row spaced"
      data-testid={testid}
      data-loaded={loaded}
      data-has-next={hasNext ? 'true' : 'false'}
    >
      <span className="muted">
        {loaded} shown{hasNext ? '' : ' — that is all'}
      </span>
      {hasNext ? (
        <button
          type="button"
          className="btn btn-outline"
          data-testid={`${testid}-more`}
          onClick={() => void query.fetchNextPage()}
          disabled={query.isFetchingNextPage}
        >
          {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </div>
  );
}
