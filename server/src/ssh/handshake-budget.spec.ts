import { describe, expect, it } from 'vitest';
import { HANDSHAKE_ROUND_TRIPS, handshakeBudgetMs } from './ssh.connection';

describe('handshakeBudgetMs', () => {
  it('keeps the fast-link budget for a short round trip', () => {
    expect(handshakeBudgetMs(20, 10_000, 60_000)).toBe(10_000);
  });

  it('grows with the round trip the banner showed, up to the ceiling', () => {
    expect(handshakeBudgetMs(2000, 10_000, 60_000)).toBe(HANDSHAKE_ROUND_TRIPS * 2000 + 2000);
    expect(handshakeBudgetMs(8000, 10_000, 60_000)).toBe(60_000);
    expect(handshakeBudgetMs(2000, 10_000, 10_000)).toBe(10_000);
  });
});
