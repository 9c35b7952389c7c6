import { describe, expect, it } from 'vitest';
import { fallbackQuery } from './chain-fallback.tsx';
import { outcomeText, outcomeVerb } from './outcome-badge.tsx';

describe('chain search fallback', () => {
  it('searches as typed, then the last word as a prefix, or without a word too short for one', () => {
    expect(fallbackQuery(' insufficient funds ')).toEqual({
      exact: 'insufficient funds',
      prefix: 'insufficient funds*',
    });
    expect(fallbackQuery('3f2a9c1b-7d')).toEqual({ exact: '3f2a9c1b-7d', prefix: '3f2a9c1b' });
    expect(fallbackQuery('ab')).toEqual({ exact: 'ab', prefix: null });
    expect(fallbackQuery('ord*')).toEqual({ exact: 'ord*', prefix: null });
  });
});

describe('chain outcome text', () => {
  it('names the terminal event and the reason, and says nothing for a plain open flow', () => {
    expect(outcomeVerb('OrderCancelled')).toBe('cancelled');
    expect(outcomeText({ kind: 'failed', event: 'OrderCancelled', reason: 'payment declined' })).toBe(
      'cancelled — payment declined',
    );
    expect(outcomeText({ kind: 'succeeded', event: 'OrderConfirmed', reason: null })).toBe('confirmed');
    expect(outcomeText({ kind: 'open', event: null, reason: null })).toBeNull();
  });
});
