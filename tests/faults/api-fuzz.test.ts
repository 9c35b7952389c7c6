import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector } from '../../collector/testing.ts';
import { allFlowTopics, flowTopics, orderFlow } from '../../collector/testing-flows.ts';
import { dlqPageSchema } from '../../lib/api/dlq.ts';
import { sagasPageSchema } from '../../lib/api/sagas.ts';
import { clientFrameSchema, serverFrameSchema } from '../../lib/api/ws.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { checkAnswer, ENDPOINTS, type Endpoint } from './support/api-oracle.ts';
import { startTailClient } from './support/tail-client.ts';

// Property-based fuzzing of the collector's REST API and WebSocket tail (embedded bus: fast).
// Every endpoint gets random path parameters (known ids among them, so the 2xx paths and their
// schemas are exercised too), random and known query parameters with hostile values, repeated
// and missing ones; the POST endpoints get random bodies with and without the operator token.
// No answer may be a 5xx or a crash; see support/api-oracle.ts for what each answer must be.

const TOKEN = 'operator-token-fuzz';
const RUNS = Number(process.env.FAULTS_FUZZ_RUNS ?? 150);
const fcParams = { numRuns: RUNS, ...(process.env.FAULTS_SEED && { seed: Number(process.env.FAULTS_SEED) }) };

/** Values nobody should send: unicode, control characters, numbers of every shape, huge strings. */
const hostileValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '',
    ' ',
    'null',
    'undefined',
    'NaN',
    'Infinity',
    '-1',
    '0',
    '1e309',
    '9'.repeat(400),
    'true',
    'yes',
    '[]',
    '{}',
    '%',
    '\u0000',
    '\ud800',
    '../../etc/passwd',
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    '9999-99-99T99:99:99Z',
    'RUNNING',
    'STUCK',
    'unresolved',
    'complete',
  ),
  fc.nat({ max: 12_000 }).map((n) => 'x'.repeat(n)),
);

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD, as a browser sends them). */
const encode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

const query = (known: readonly string[]) =>
  fc.array(
    fc.tuple(known.length ? fc.oneof(fc.constantFrom(...known), fc.string()) : fc.string(), hostileValue),
    {
      maxLength: 8,
    },
  );

describe('REST API and WebSocket fuzzing (embedded bus)', () => {
  let t: Awaited<ReturnType<typeof startTestCollector>>;
  const known: Record<'id' | 'chain' | 'saga' | 'dlq' | 'group', string[]> = {
    id: [],
    chain: [],
    saga: [],
    dlq: [],
    group: [],
  };

  beforeAll(async () => {
    // The real lag monitor (not the test default of none), so /api/consumers has groups to show.
    t = await startTestCollector({ env: { OPERATOR_TOKEN: TOKEN }, deps: { lag: undefined } });
    const topics = flowTopics(`${uniqueName('fuzz')}.`);
    await t.bus.admin.createTopics(allFlowTopics(topics));
    for (const outcome of ['ok', 'decline', 'poison', 'stall'] as const) {
      const flow = orderFlow({ topics, outcome });
      const meta = await t.bus.produce(flow.records);
      known.id.push(...meta.slice(0, 3).map((m) => `${m.topic}:${m.partition}:${m.offset}`));
      known.chain.push(flow.orderId);
    }
    known.dlq = await waitFor(
      async () => {
        const items = dlqPageSchema.parse((await t.api('/api/dlq')).body).items;
        return items.length > 0 && items.map((e) => e.id);
      },
      { what: 'a dead-letter entry to fuzz with' },
    );
    known.saga = sagasPageSchema.parse((await t.api('/api/sagas?limit=20')).body).items.map((s) => s.id);
    known.group = ['causeway-collector'];
    await waitFor(async () => (await t.api('/api/consumers/causeway-collector')).status === 200, {
      what: 'the lag monitor to see the collector group',
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const pathParam = (kind: keyof typeof known) =>
    fc
      .oneof(
        { weight: 2, arbitrary: fc.constantFrom(...known[kind]).map(encode) },
        { weight: 4, arbitrary: hostileValue.map(encode) },
        // Raw, not encoded: broken percent-encoding must be a 400, not a crash.
        {
          weight: 1,
          arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%ED%A0%80', 'a%2Fb'),
        },
      )
      // '.', '..' (and their %2e forms) are resolved away by the URL parser: another route.
      .filter((s) => s.length > 0 && !/^(\.|%2e){1,2}$/i.test(s));

  const paramKind = (e: Endpoint): keyof typeof known =>
    e.path.startsWith('/api/records/')
      ? 'id'
      : e.path.startsWith('/api/chains/')
        ? 'chain'
        : e.path.startsWith('/api/sagas/')
          ? 'saga'
          : e.path.startsWith('/api/consumers/')
            ? 'group'
            : 'dlq';

  async function call(e: Endpoint, url: string, init: RequestInit, mentions: string[]) {
    const res = await fetch(url, init);
    const answer = {
      status: res.status,
      contentType: res.headers.get('content-type'),
      text: await res.text(),
    };
    checkAnswer(e, `${init.method ?? 'GET'} ${url.slice(0, 300)}`, answer, mentions);
    return answer;
  }

  for (const e of ENDPOINTS.filter((x) => x.method === 'GET'))
    it(`GET ${e.path}: random path and query parameters never get a 5xx`, async () => {
      const param = e.path.includes(':') ? pathParam(paramKind(e)) : fc.constant('');
      await fc.assert(
        fc.asyncProperty(param, query(e.params), async (p, q) => {
          const path = e.path.replace(/:\w+/, p);
          const search = new URLSearchParams();
          for (const [k, v] of q) search.append(k, v);
          const qs = search.toString();
          await call(e, `${t.collector.apiUrl}${path}${qs ? `?${qs}` : ''}`, {}, [
            ...q.map(([k]) => k),
            'id',
            'segment',
          ]);
        }),
        fcParams,
      );
    });

  const replayKey = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9._:-]{8,40}$/),
    hostileValue,
    fc.constant(undefined),
    fc.integer(),
  );
  const bodyFields = ['replayKey', 'dryRun', 'ids', 'filter', 'ratePerSec'];
  // A function: the known dead-letter ids exist only once beforeAll ran.
  const body = () =>
    fc.oneof(
      fc.json(),
      fc.string(),
      fc.constant(''),
      fc
        .record(
          {
            replayKey,
            dryRun: fc.oneof(fc.boolean(), hostileValue),
            ids: fc.oneof(
              fc.array(fc.oneof(fc.string(), fc.constantFrom(...known.dlq)), { maxLength: 4 }),
              hostileValue,
            ),
            filter: fc.oneof(
              fc.dictionary(
                fc.constantFrom('dlqTopic', 'status', 'from', 'to', 'key', 'errorClass'),
                hostileValue,
              ),
              hostileValue,
            ),
            ratePerSec: fc.oneof(fc.integer(), fc.double(), hostileValue),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
    );

  for (const e of ENDPOINTS.filter((x) => x.method === 'POST'))
    it(`POST ${e.path}: random bodies, with and without the operator token, never get a 5xx`, async () => {
      const param = e.path.includes(':') ? pathParam('dlq') : fc.constant('');
      await fc.assert(
        fc.asyncProperty(param, body(), fc.boolean(), async (p, b, withToken) => {
          const path = e.path.replace(/:\w+/, p);
          const answer = await call(
            e,
            `${t.collector.apiUrl}${path}`,
            {
              method: 'POST',
              body: b,
              headers: {
                'content-type': 'application/json',
                ...(withToken && { authorization: `Bearer ${TOKEN}` }),
              },
            },
            [...bodyFields, 'body', 'json', '(root)', 'id', 'segment'],
          );
          // Without a token: 401, unless the path itself is unreadable (a 400 before any auth).
          if (!withToken) expect(answer.status).toBe(isDecodable(p) ? 401 : 400);
        }),
        fcParams,
      );
    });

  it('refuses a body over 1 MB with a 413 that says so', async () => {
    const e = ENDPOINTS.find((x) => x.path === '/api/dlq/replay')!;
    const answer = await call(
      e,
      `${t.collector.apiUrl}/api/dlq/replay`,
      {
        method: 'POST',
        body: JSON.stringify({ replayKey: 'big-body-1', ids: ['x'.repeat(1024 * 1024)] }),
        headers: { authorization: `Bearer ${TOKEN}` },
      },
      [],
    );
    expect(answer.status).toBe(413);
  });

  it('answers unknown paths and methods with a JSON 404 / 405', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.array(fc.string().map(encode), { minLength: 1, maxLength: 4 }),
        async (method, parts) => {
          const path = `/api/${parts.filter((s) => s && !/^(\.|%2e){1,2}$/i.test(s)).join('/')}`;
          const res = await fetch(`${t.collector.apiUrl}${path}`, { method });
          const text = await res.text();
          // Either a route (then it must keep its schema; checked above), or a JSON 4xx.
          expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(500);
          expect(res.headers.get('content-type'), `${method} ${path}`).toMatch(/^application\/json/);
        },
      ),
      fcParams,
    );
  });

  it('WebSocket: random frames get an error frame naming the problem, valid ones an answer', async () => {
    const wsUrl = `${t.collector.apiUrl.replace(/^http/, 'ws')}/ws`;
    const frame = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
      fc
        .record(
          {
            type: fc.oneof(
              fc.constantFrom('subscribe', 'ping', 'unsubscribe', 'SUBSCRIBE', ''),
              fc.integer(),
            ),
            filter: fc.oneof(
              fc.record(
                {
                  topics: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), hostileValue),
                  types: fc.array(fc.string(), { maxLength: 120 }),
                  key: hostileValue,
                  dlqOnly: fc.oneof(fc.boolean(), hostileValue),
                },
                { requiredKeys: [] },
              ),
              fc.jsonValue(),
            ),
            token: fc.oneof(hostileValue, fc.integer()),
          },
          { requiredKeys: ['type'] },
        )
        .map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        const reply = await exchange(wsUrl, f);
        expect(reply.closeCode, 'the server closed a connection over a frame under 64 KB').toBeUndefined();
        const server = serverFrameSchema.parse(reply.frame);
        let sent: unknown;
        try {
          sent = typeof f === 'string' ? JSON.parse(f) : undefined;
        } catch {
          sent = undefined;
        }
        const client = clientFrameSchema.safeParse(sent);
        if (!client.success) {
          expect(server.type).toBe('error');
          expect(server.type === 'error' && server.message).toMatch(/^Invalid frame: .{3,}/);
        } else expect(server.type).toBe(client.data.type === 'ping' ? 'pong' : 'subscribed');
      }),
      fcParams,
    );
  });

  it('WebSocket: a frame over 64 KB or text that is not UTF-8 closes that connection only, with a reason code', async () => {
    const wsUrl = `${t.collector.apiUrl.replace(/^http/, 'ws')}/ws`;
    const huge = await exchange(
      wsUrl,
      JSON.stringify({ type: 'subscribe', filter: { key: 'k'.repeat(70_000) } }),
    );
    expect(huge.closeCode).toBe(1009);
    const notUtf8 = await exchange(wsUrl, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { asText: true });
    expect(notUtf8.closeCode).toBe(1007);

    // Still serving: health answers and a new subscriber gets what is produced now.
    expect((await t.api('/api/health')).status).toBe(200);
    const topics = flowTopics(`${uniqueName('fuzz-after')}.`);
    await t.bus.admin.createTopics(allFlowTopics(topics));
    const tail = startTailClient(wsUrl, { topics: [topics.orders] });
    try {
      await waitFor(() => tail.subscriptions.length === 1, { what: 'a subscription after the fuzzing' });
      await t.bus.produce(orderFlow({ topics }).records);
      await waitFor(() => tail.records.length > 0, { what: 'records on the tail after the fuzzing' });
      expect(tail.badFrames).toEqual([]);
    } finally {
      await tail.stop();
    }
  });

  // Last: wrong tokens count towards the per-address limit, which would 429 the tests above.
  it('wrong tokens on writes get 403, then 429 once rate-limited, never a 5xx', async () => {
    const e = ENDPOINTS.find((x) => x.path === '/api/dlq/:id/replay')!;
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200 }), body(), async (token, b) => {
        const answer = await call(
          e,
          `${t.collector.apiUrl}/api/dlq/${encodeURIComponent(known.dlq[0]!)}/replay`,
          {
            method: 'POST',
            body: b,
            // Header values must be ByteStrings: send the token's UTF-8 bytes as latin1 text.
            headers: {
              authorization: `Bearer ${Buffer.from(token.replace(/\s/g, '_')).toString('latin1')}x`,
            },
          },
          [],
        );
        statuses.add(answer.status);
        expect([401, 403, 429]).toContain(answer.status);
      }),
      { ...fcParams, numRuns: 30 },
    );
    expect(statuses).toContain(429);
    // The address is now refused reads too (health follows the read permission); liveness stays open.
    expect((await t.api('/healthz')).status).toBe(200);
  });
});

function isDecodable(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

/** Opens a connection, waits for `hello`, sends one frame, and returns the next frame or the close code. */
async function exchange(
  url: string,
  frame: string | Buffer,
  opts: { asText?: boolean } = {},
): Promise<{ frame?: unknown; closeCode?: number }> {
  const ws = new WebSocket(url);
  try {
    return await new Promise((resolve, reject) => {
      let hello = false;
      const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
      ws.on('error', () => undefined);
      ws.on('close', (code) => {
        clearTimeout(timer);
        resolve({ closeCode: code });
      });
      ws.on('message', (data: Buffer) => {
        if (!hello) {
          hello = true;
          ws.send(frame, { binary: Buffer.isBuffer(frame) && !opts.asText });
          return;
        }
        clearTimeout(timer);
        resolve({ frame: JSON.parse(data.toString('utf8')) as unknown });
      });
    });
  } finally {
    ws.terminate();
  }
}
