// The operator token lives in sessionStorage: entered once per browser session, gone when the tab
// closes, never in localStorage or a cookie where it would outlive the shift.

const KEY = 'causeway.operatorToken';
const listeners = new Set<() => void>();

function storage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.sessionStorage;
  } catch {
    return null;
  }
}

export const sessionToken = {
  get: (): string | null => {
    return storage()?.getItem(KEY) ?? null;
  },
  set: (token: string | null): void => {
    const s = storage();
    if (!s) return;
    const clean = token?.trim() ?? '';
    if (clean) s.setItem(KEY, clean);
    else s.removeItem(KEY);
    listeners.forEach((l) => l());
  },
  subscribe: (listener: () => void): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
