import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiRequestError, errorMessage } from './api-client.ts';

// Stale times by how fast the underlying thing changes. Named so a reader sees the intent.
export const STALE = {
  /** Lag, health, alerts: polled views of a live system. */
  live: 2_000,
  /** Lists of DLQ entries, sagas, chains: change on every order. */
  list: 5_000,
  /** One chain or record: mostly settled once seen. */
  detail: 10_000,
} as const;

export const REFETCH = {
  live: 5_000,
  list: 10_000,
} as const;

const MAX_RETRIES = 2;

/** 4xx and contract mismatches are answers, not hiccups: retrying only delays the error state. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiRequestError && error.isClientError) return false;
  return failureCount < MAX_RETRIES;
}

export type ErrorReporter = (message: string) => void;

/**
 * Errors reach the user in one place: the toaster. A query without data shows its own error
 * state instead (a toast on top would only repeat it); a background refetch that fails while
 * old data is on screen, and every failed mutation, are toasted.
 */
export function createQueryClient(report: ErrorReporter): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (query.state.data !== undefined) report(`Refresh failed: ${errorMessage(error)}`);
      },
    }),
    mutationCache: new MutationCache({
      onError: (error) => report(errorMessage(error)),
    }),
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: STALE.list, refetchOnWindowFocus: true },
      mutations: { retry: false },
    },
  });
}
