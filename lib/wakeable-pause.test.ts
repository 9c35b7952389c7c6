import { describe, expect, it } from 'vitest';
import { createWakeablePause } from './wakeable-pause.ts';

describe('a wakeable pause', () => {
  it('ends when woken, and a wake with no pause in progress changes nothing', async () => {
    const p = createWakeablePause();
    p.wake();
    let ended = false;
    const paused = p.pause(60_000).then(() => (ended = true));
    await Promise.resolve();
    expect(ended).toBe(false);
    p.wake();
    await paused;
    expect(ended).toBe(true);
  });

  it('ends by itself after its time', async () => {
    const p = createWakeablePause();
    await p.pause(1);
  });
});
