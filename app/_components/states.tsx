'use client';

import type { ReactNode } from 'react';
import { ApiRequestError, errorMessage } from '../_lib/api-client.ts';
import { CollectorHint } from '../_features/health/collector-hint.tsx';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" data-testid="state-loading" role="status">
      Loading {what}…
    </div>
  );
}

/** "Nothing here" plus what to do next, and the collector's own account of itself. */
export function Empty({ title, next, hint = true }: { title: string; next?: ReactNode; hint?: boolean }) {
  return (
    <div className="state state-empty" data-testid="state-empty">
      <p className="state-title">{title}</p>
      {next ? <p>{next}</p> : null}
      {hint ? <CollectorHint /> : null}
    </div>
  );
}

function adviceFor(error: unknown): string {
  if (!(error instanceof ApiRequestError))
    return 'Reload the page; if it persists, check the console server logs.';
  if (error.kind === 'schema')
    return 'The collector answered in a shape this console does not understand: deploy matching versions.';
  if (error.status === 401 || error.status === 403)
    return 'The collector wants a token: set the operator token in the header.';
  if (error.status === 404)
    return 'It does not exist (any more?): check the id, or it may have aged out of retention.';
  if (error.status === 502 || error.kind === 'network')
    return 'Start the collector or fix COLLECTOR_URL, then retry.';
  return 'Retry in a moment; the collector logs say more.';
}

export function ErrorState({ error, onRetry, what }: { error: unknown; onRetry?: () => void; what: string }) {
  return (
    <div className="state state-error" data-testid="state-error" role="alert">
      <p className="state-title">Could not load {what}.</p>
      <p>{errorMessage(error)}</p>
      <p className="muted">{adviceFor(error)}</p>
      {onRetry ? (
        <button type="button" className="btn btn-outline" onClick={onRetry} data-testid="retry">
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** What QueryStates reads of a query; plain and infinite queries both fit. */
interface QueryStatus {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
}

/**
 * A query's loading and error states (with a retry), then `empty` once it has answered. The caller
 * says whether the answer is empty and shows its own rows, also those kept after a failed refetch.
 */
export function QueryStates({
  query,
  what,
  empty = null,
}: {
  query: QueryStatus;
  what: string;
  empty?: ReactNode;
}) {
  if (query.isPending) return <Loading what={what} />;
  if (query.isError)
    return <ErrorState error={query.error} what={what} onRetry={() => void query.refetch()} />;
  return empty;
}
