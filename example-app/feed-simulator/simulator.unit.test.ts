import { describe, expect, it } from 'vitest';
import { PriceBook } from './prices.js';
import { TokenBucket } from './rate-limit.js';
import { SYMBOLS, SYMBOL_PATTERN, UNIVERSE_SIZE, isKnownSymbol } from './universe.js';

describe('feed simulator', () => {
  it('has a fixed universe of 500 well-formed symbols including the popular ones', () => {
    expect(SYMBOLS).toHaveLength(UNIVERSE_SIZE);
    expect(new Set(SYMBOLS).size).toBe(UNIVERSE_SIZE);
    for (const s of ['AAPL', 'MSFT', 'GOOGL', 'NVDA', 'SPY', 'TSLA', 'AMZN']) expect(isKnownSymbol(s)).toBe(true);
    expect(SYMBOLS.every((s) => SYMBOL_PATTERN.test(s))).toBe(true);
  });

  it('allows the burst, refuses the next request with the wait until a token, and refills at the rate', () => {
    let now = 0;
    const b = new TokenBucket(50, 50, () => now);
    for (let i = 0; i < 50; i++) expect(b.take().allowed).toBe(true);
    expect(b.take()).toEqual({ allowed: false, retryAfterMs: 20 });
    now += 100; // 5 tokens at 50/s
    const allowed = Array.from({ length: 6 }, () => b.take().allowed);
    expect(allowed).toEqual([true, true, true, true, true, false]);
  });

  it('rejects a rate limit that is not a positive number with a message naming it', () => {
    expect(() => new TokenBucket(0, 1, () => 0)).toThrow(/ratePerSec to be a positive finite number, got 0/);
  });

  it('moves the price between reads and numbers each quote', () => {
    let now = 0;
    let r = 0;
    const book = new PriceBook(['AAPL'], () => now, () => (r = (r + 0.37) % 1));
    const a = book.quote('AAPL')!;
    now += 1000;
    const b = book.quote('AAPL')!;
    expect(b.price).not.toBe(a.price);
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(b.bid).toBeLessThan(b.ask);
    expect(book.quote('NOPE')).toBeUndefined();
  });
});
