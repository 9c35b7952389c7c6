'use client';

import Link from 'next/link';
import { ApiRequestError } from '../../_lib/api-client.ts';
import { ErrorState, Loading } from '../../_components/states.tsx';
import { useRecords } from '../records/api.ts';
import { RecordTable } from '../records/record-table.tsx';

// When what was typed into the chain search is no chain id ("insufficient funds", a customer key,
// an id prefix), search the records for it instead of answering "no chain": the matching records
// and the chains they belong to are usually what the user was after.

const FALLBACK_LIMIT = 50;

/**
 * The text searches for a lookup: as typed, then with its last word as a prefix (ids are often
 * pasted cut short). A last word too short to be a prefix (the collector wants 3+ bytes) is
 * dropped instead: `3f2a9c1b-7d` finds the records of `3f2a9c1b-7d4e-…`.
 */
export function fallbackQuery(id: string): { exact: string; prefix: string | null } {
  const exact = id.trim();
  const words = exact.match(/[\p{L}\p{N}]+/gu) ?? [];
  const last = words[words.length - 1];
  if (!last || exact.endsWith('*')) return { exact, prefix: null };
  if (new TextEncoder().encode(last).length >= 3) return { exact, prefix: `${exact}*` };
  return { exact, prefix: words.length > 1 ? words.slice(0, -1).join(' ') : null };
}

export function ChainFallback({ id }: { id: string }) {
  const { exact, prefix } = fallbackQuery(id);
  const first = useRecords({ q: exact, limit: FALLBACK_LIMIT });
  const needPrefix = Boolean(prefix) && first.isSuccess && first.data.items.length === 0;
  const second = useRecords({ q: prefix ?? exact, limit: FALLBACK_LIMIT }, needPrefix);
  const result = needPrefix ? second : first;
  const searched = needPrefix ? prefix! : exact;

  if (result.isPending) return <Loading what={`records matching “${id}”`} />;
  if (result.isError) {
    // A search text with nothing to search for (only punctuation) is a 400: say what happened.
    const bad = result.error instanceof ApiRequestError && result.error.status === 400;
    return (
      <ErrorState
        error={result.error}
        what={bad ? `a chain or records for “${id}”` : `records matching “${id}”`}
        onRetry={() => void result.refetch()}
      />
    );
  }
  const items = result.data.items;
  const chains = [...new Set(items.map((r) => r.correlationId).filter((c): c is string => Boolean(c)))];
  return (
    <div className="card" data-testid="chain-fallback" data-count={items.length}>
      <h2>
        No chain has the id “{id}”: records containing “{searched}”
      </h2>
      {items.length === 0 ? (
        <p data-testid="chain-fallback-empty">
          No stored record contains it either. Check the id, or search with other words on the{' '}
          <Link href={`/records?q=${encodeURIComponent(exact)}`}>Records</Link> page.
        </p>
      ) : (
        <>
          {chains.length ? (
            <p data-testid="chain-fallback-chains">
              Chains of these records:{' '}
              {chains.slice(0, 20).map((c) => (
                <Link
                  key={c}
                  href={`/chains/${encodeURIComponent(c)}`}
                  className="mono"
                  data-testid="chain-fallback-chain"
                >
                  {c}{' '}
                </Link>
              ))}
            </p>
          ) : null}
          <RecordTable items={items} testid="chain-fallback-records" />
          <p>
            <Link href={`/records?q=${encodeURIComponent(searched)}`} data-testid="chain-fallback-explore">
              Open this search in the records explorer
            </Link>
            {result.data.nextCursor ? ` (more than ${FALLBACK_LIMIT} match)` : ''}
          </p>
        </>
      )}
    </div>
  );
}
