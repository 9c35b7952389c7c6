import pg from 'pg';
import type { Logger } from '../lib/logger.ts';

// Which collector runs the singletons (lag polling, the STUCK sweep and retention, native alert
// evaluation, resuming bulk replays). With the embedded store there is one collector: always it.
// With a shared PostgreSQL store the collectors of one group elect one through a session-level
// advisory lock held on a connection of its own: the lock lives exactly as long as that session,
// so a leader that dies (or loses its connection) frees it, and a follower, trying once per
// interval, takes over within one interval. A leader that sees its connection fail steps down at
// once, before it could know whether the lock is still its own.

export interface Leadership {
  isLeader(): boolean;
  /** Called on every change, and once with the current state when registered. */
  onChange(fn: (leader: boolean) => void): void;
  start(): void;
  stop(): Promise<void>;
}

export function alwaysLeader(): Leadership {
  return {
    isLeader: () => true,
    onChange: (fn) => fn(true),
    start: () => undefined,
    stop: () => Promise.resolve(),
  };
}

export function createPgLeadership(opts: {
  url: string;
  /** Collectors with the same name (the consumer group) elect one among them. */
  name: string;
  retryMs: number;
  logger: Logger;
}): Leadership {
  const log = opts.logger.child({ component: 'leader' });
  const listeners: ((leader: boolean) => void)[] = [];
  let leader = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let attempt: Promise<void> | undefined;

  const set = (v: boolean) => {
    if (v === leader) return;
    leader = v;
    log.info({ group: opts.name }, v ? 'elected: running the singletons here' : 'no longer the leader');
    for (const fn of listeners) fn(v);
  };

  const drop = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    set(false);
    void c.end().catch(() => undefined);
  };

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client({
      connectionString: opts.url,
      keepAlive: true,
      application_name: 'causeway-leader',
    });
    c.on('error', (err) => {
      log.warn({ err }, 'the leader election connection failed');
      drop(c);
    });
    c.on('end', () => drop(c));
    await c.connect();
    client = c;
    return c;
  }

  async function tryOnce() {
    let c = client;
    try {
      c ??= await connect();
      if (leader) {
        // Still connected means still holding the lock; a failure here steps down.
        await c.query('SELECT 1');
        return;
      }
      const r = await c.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 7411)) AS ok',
        [`causeway-leader:${opts.name}`],
      );
      if (r.rows[0]?.ok === true && client === c) set(true);
    } catch (err) {
      log.debug({ err }, 'leader election attempt failed; retrying next interval');
      if (c) drop(c);
    }
  }

  const loop = () => {
    if (!running) return;
    attempt = tryOnce().finally(() => {
      attempt = undefined;
      if (running) timer = setTimeout(loop, opts.retryMs);
    });
  };

  return {
    isLeader: () => leader,
    onChange(fn) {
      listeners.push(fn);
      fn(leader);
    },
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await attempt;
      const c = client;
      client = undefined;
      set(false);
      // Ending the session releases the lock: the next collector takes over on its next try.
      await c?.end().catch(() => undefined);
    },
  };
}
