'use client';

import { useSyncExternalStore } from 'react';
import { useConsoleRuntime } from '../_lib/console-context.ts';
import type { Toast } from '../_lib/toast-store.ts';

const EMPTY: readonly Toast[] = [];

/** The one place errors from mutations and background refreshes are shown. */
export function Toaster() {
  const { toasts } = useConsoleRuntime();
  const list = useSyncExternalStore(toasts.subscribe, toasts.getSnapshot, () => EMPTY);
  return (
    <div className="toaster" role="status" aria-live="polite" data-testid="toaster">
      {list.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`} data-testid="toast">
          <span>
            {t.message}
            {t.count > 1 ? ` (×${t.count})` : ''}
          </span>
          <button
            type="button"
            className="btn btn-ghost"
            aria-label="Dismiss"
            onClick={() => toasts.dismiss(t.id)}
          >
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
