import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../testing/wait-for.ts';
import {
  fixRequestQueueTimer,
  requestQueueClass,
  type RequestQueueInternals,
} from './kafka-request-queue.ts';

// kafkajs's own request queue, with the scheduler fix installed as createKafkaBus installs it.

interface Queue extends RequestQueueInternals {
  push(r: unknown): void;
  fulfillRequest(r: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const queues: Queue[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const q of queues.splice(0)) q.destroy();
});

function setup() {
  expect(fixRequestQueueTimer(), 'kafkajs moved past the release the fix was read against').toBe(true);
  const RequestQueue = requestQueueClass();
  const q = new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: '127.0.0.1:9092',
    logger: quiet,
  }) as Queue;
  queues.push(q);
  const sent: number[] = [];
  const request = (correlationId: number) =>
    q.push({
      entry: { correlationId, apiKey: 3, apiName: 'Metadata', apiVersion: 0, resolve: () => undefined },
      expectResponse: true,
      sendRequest: () => sent.push(correlationId),
    });
  const respond = (correlationId: number) =>
    q.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 });
  const delays: number[] = [];
  const real = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation((fn: () => void, ms?: number) => {
    delays.push(ms ?? 0);
    return real(fn, ms);
  });
  return { q, sent, request, respond, delays };
}

describe('kafkajs request queue timer', () => {
  it('arms no timer after a response when nothing waits (no negative timeout, no 1 ms spin)', () => {
    const { q, sent, request, respond, delays } = setup();
    request(1);
    expect(sent).toEqual([1]);
    respond(1);
    expect(delays).toEqual([]);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still sends a request queued under a broker throttle once the throttle is over', async () => {
    const { q, sent, request, respond, delays } = setup();
    q.maybeThrottle(50);
    request(2);
    expect(sent).toEqual([]);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(0);
    await waitFor(() => sent.includes(2), { what: 'the throttled request sent' });
    respond(2);
    expect(delays.every((d) => d > 0)).toBe(true);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });
});
