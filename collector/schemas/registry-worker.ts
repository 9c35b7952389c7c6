import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createRegistryClient, RegistryError, type RegistryOptions } from './registry.ts';
import type { SchemaRef } from './wire.ts';

// The registry client on its own thread, so that record decoding (synchronous, on the engine's
// thread) can wait for a schema it has not seen: see sync-registry.ts.

interface Request {
  readonly ref: SchemaRef;
  readonly flag: Int32Array;
  readonly port: MessagePort;
}

const client = createRegistryClient(workerData as RegistryOptions);

parentPort!.on('message', (req: Request) => {
  client.fetch(req.ref).then(
    (bundle) => finish(req, { ok: true, bundle }),
    (err: unknown) =>
      finish(req, {
        ok: false,
        error: err instanceof Error ? err.message : String(err),
        notFound: err instanceof RegistryError && err.notFound,
      }),
  );
});

function finish(req: Request, answer: unknown) {
  req.port.postMessage(answer);
  req.port.close();
  Atomics.store(req.flag, 0, 1);
  Atomics.notify(req.flag, 0);
}
