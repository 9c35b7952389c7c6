// A tiny external store for toasts, read with useSyncExternalStore. Bounded so a flapping
// collector cannot fill the screen: repeats of the same message bump a counter instead.

export interface Toast {
  readonly id: number;
  readonly message: string;
  readonly tone: 'error' | 'info';
  readonly count: number;
}

const MAX_TOASTS = 4;

export function createToastStore() {
  let toasts: readonly Toast[] = [];
  let nextId = 1;
  const listeners = new Set<() => void>();
  const emit = () => listeners.forEach((l) => l());

  return {
    subscribe: (listener: () => void): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: (): readonly Toast[] => toasts,
    push: (message: string, tone: Toast['tone'] = 'error'): void => {
      const same = toasts.find((t) => t.message === message && t.tone === tone);
      if (same) {
        toasts = toasts.map((t) => (t === same ? { ...t, count: t.count + 1 } : t));
      } else {
        toasts = [...toasts, { id: nextId++, message, tone, count: 1 }].slice(-MAX_TOASTS);
      }
      emit();
    },
    dismiss: (id: number): void => {
      toasts = toasts.filter((t) => t.id !== id);
      emit();
    },
  };
}
export type ToastStore = ReturnType<typeof createToastStore>;
