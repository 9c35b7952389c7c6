import { progress } from './report.ts';

// Everything a benchmark creates (child processes, consumers, topics, groups, temp dirs) is
// registered here the moment it exists, and undone in reverse order whether the benchmark passed,
// threw or was interrupted: the broker is shared with colleagues' test runs.

type Undo = { readonly what: string; readonly fn: () => Promise<void> | void };

export interface Cleanup {
  /** Registers an undo step; returns a function that runs it now (and unregisters it). */
  add(what: string, fn: () => Promise<void> | void): () => Promise<void>;
  runAll(): Promise<void>;
}

export function createCleanup(bench = 'cleanup'): Cleanup {
  const stack: Undo[] = [];
  const run = async (u: Undo) => {
    try {
      await u.fn();
    } catch (err) {
      progress(bench, `cleanup "${u.what}" failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return {
    add(what, fn) {
      const u = { what, fn };
      stack.push(u);
      return async () => {
        const i = stack.indexOf(u);
        if (i < 0) return;
        stack.splice(i, 1);
        await run(u);
      };
    },
    async runAll() {
      while (stack.length) await run(stack.pop()!);
    },
  };
}
