import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { RegistryOptions, SchemaBundle } from './registry.ts';
import type { SchemaRef } from './wire.ts';

// Synchronous schema look-ups for the decode stage, which is synchronous by design (it runs per
// record inside the indexer's batch). The first record naming an unknown schema id waits (at most
// the timeout) while a helper thread asks the registry; every later one is a cache hit. One
// request at a time per decoder (the bounded concurrency), and failures back off so a registry
// that is down costs one timeout per back-off period, not one per record.

export type FetchAnswer =
  | { readonly ok: true; readonly bundle: SchemaBundle }
  | { readonly ok: false; readonly error: string; readonly notFound: boolean };

export interface SyncRegistry {
  fetch(ref: SchemaRef): FetchAnswer;
  close(): Promise<void>;
}

export function createSyncRegistry(options: RegistryOptions & { timeoutMs: number }): SyncRegistry {
  let worker: Worker | undefined;
  const start = () => {
    worker = new Worker(new URL('./registry-worker.ts', import.meta.url), { workerData: options });
    worker.unref();
    worker.on('error', () => (worker = undefined));
    return worker;
  };
  return {
    fetch(ref) {
      const w = worker ?? start();
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const { port1, port2 } = new MessageChannel();
      w.postMessage({ ref, flag, port: port2 }, [port2]);
      // The client's own timeout answers first; this one only guards against a stuck thread.
      const waited = Atomics.wait(flag, 0, 0, options.timeoutMs + 1000);
      const msg = receiveMessageOnPort(port1);
      port1.close();
      if (waited === 'timed-out' || !msg)
        return {
          ok: false,
          error: `registry did not answer within ${options.timeoutMs} ms`,
          notFound: false,
        };
      return msg.message as FetchAnswer;
    },
    async close() {
      await worker?.terminate();
      worker = undefined;
    },
  };
}
