import { describe, expect, it } from 'vitest';
import type { LagStatus } from '../../lib/api/consumers.ts';
import { evaluate, newHistory, observe, worstStatus } from './evaluate.ts';

// Scripted polls one second apart, window of 5 polls, STALL after 3 s stuck, STOP floor 3 s.
const params = { windowSize: 5, stallAfterMs: 3000, stopAfterMinMs: 3000 };

function run(polls: [committed: number, lag: number, members?: boolean][]): LagStatus[] {
  const h = newHistory();
  return polls.map(([committed, lag, members = true], i) => {
    observe(h, { committed, lag, at: i * 1000 }, params.windowSize);
    return evaluate(h, { ...params, hasMembers: members });
  });
}

describe('Burrow-style partition evaluation', () => {
  it('is OK for a consumer keeping up, even with some lag between polls', () => {
    expect(
      run([
        [10, 2],
        [20, 0],
        [30, 3],
        [42, 1],
        [50, 4],
        [61, 0],
        [70, 2],
      ]),
    ).toEqual(Array(7).fill('OK'));
  });

  it('is OK as soon as the lag is 0, whatever came before', () => {
    expect(
      run([
        [10, 5],
        [10, 8],
        [10, 12],
        [10, 20],
        [30, 0],
      ]).at(-1),
    ).toBe('OK');
  });

  it('calls WARN when offsets advance but lag never decreases over a full window', () => {
    const statuses = run([
      [10, 5],
      [12, 8],
      [14, 8],
      [16, 11],
      [18, 15],
      [20, 19],
    ]);
    // Not before the window is full: four polls are not a trend.
    expect(statuses.slice(0, 4)).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect(statuses.slice(4)).toEqual(['WARN', 'WARN']);
  });

  it('leaves WARN when the lag goes down once in the window', () => {
    expect(
      run([
        [10, 5],
        [12, 8],
        [14, 8],
        [16, 11],
        [18, 15],
        [25, 9],
      ]).at(-1),
    ).toBe('OK');
  });

  it('calls STALL when commits stop moving while lag > 0 and members are present', () => {
    const statuses = run([
      [10, 0],
      [20, 3],
      [20, 6],
      [20, 9],
      [20, 12],
      [20, 15],
    ]);
    // Stuck since the poll at 1 s: 3 s later, at the poll at 4 s, it is a stall.
    expect(statuses).toEqual(['OK', 'OK', 'OK', 'OK', 'STALL', 'STALL']);
  });

  it('calls STALL for a member that never committed while records wait (committed -1)', () => {
    expect(
      run([
        [-1, 7],
        [-1, 7],
        [-1, 9],
        [-1, 9],
      ]),
    ).toEqual(['OK', 'OK', 'OK', 'STALL']);
  });

  it('goes from STALL to STOP once the consumer is gone and the stall outlasts the window span', () => {
    const statuses = run([
      [20, 1],
      [20, 2],
      [20, 3],
      [20, 4, false],
      [20, 5, false],
      [20, 6, false],
      [20, 7, false],
    ]);
    expect(statuses).toEqual(['OK', 'OK', 'OK', 'STOP', 'STOP', 'STOP', 'STOP']);
  });

  it('waits for the window span before STOP when the window is full', () => {
    // Consumer keeping up until 6 s, then gone: STALL after 3 s, STOP once stuck for the window span (4 s).
    const statuses = run([
      [10, 2],
      [12, 1],
      [14, 2],
      [16, 1],
      [18, 2],
      [20, 1],
      [22, 2],
      [22, 3, false],
      [22, 4, false],
      [22, 5, false],
      [22, 6, false],
      [22, 7, false],
    ]);
    expect(statuses.slice(6)).toEqual(['OK', 'OK', 'OK', 'STALL', 'STOP', 'STOP']);
  });

  it('does not STOP a group without members when nothing is left to read', () => {
    expect(
      run([
        [50, 0, false],
        [50, 0, false],
        [50, 0, false],
        [50, 0, false],
        [50, 0, false],
      ]).at(-1),
    ).toBe('OK');
  });

  it('calls REWIND when the committed offset goes backwards, but not when offsets expire to -1', () => {
    expect(
      run([
        [100, 0],
        [120, 2],
        [40, 90],
        [45, 88],
      ]).slice(2),
    ).toEqual(['REWIND', 'REWIND']);
    expect(
      run([
        [100, 5],
        [-1, 30],
        [-1, 30],
      ]).at(-1),
    ).toBe('OK');
  });

  it('takes the worst partition as the group status', () => {
    expect(worstStatus(['OK', 'WARN', 'OK'])).toBe('WARN');
    expect(worstStatus(['WARN', 'REWIND', 'STALL'])).toBe('STALL');
    expect(worstStatus(['STALL', 'STOP'])).toBe('STOP');
    expect(worstStatus([])).toBe('OK');
  });
});
