'use client';

// The last line of defence: a render error in one view shows this instead of a blank page.
export default function RouteError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="state state-error" role="alert" data-testid="route-error">
      <p className="state-title">This view failed to render.</p>
      <p>{error.message}</p>
      <p className="muted">
        Try again; if it keeps failing, the console server logs have the details
        {error.digest ? ` (digest ${error.digest})` : ''}.
      </p>
      <button type="button" className="btn btn-outline" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
