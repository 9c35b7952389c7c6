// A pause that another part of the program can end early: new work arrived, or a stop must not
// wait the pause out. One pause at a time (a loop's wait between rounds).

export interface WakeablePause {
  /** Resolves after `ms`, or as soon as `wake` is called meanwhile. */
  pause(ms: number): Promise<void>;
  /** Ends the pause in progress, if any. */
  wake(): void;
}

export function createWakeablePause(): WakeablePause {
  let wakeUp: (() => void) | undefined;
  return {
    pause: (ms) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          wakeUp = undefined;
          resolve();
        }
        wakeUp = done;
      }),
    wake: () => wakeUp?.(),
  };
}
