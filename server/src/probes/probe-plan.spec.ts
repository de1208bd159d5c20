import { describe, expect, it } from 'vitest';
import type { KnownCheck } from '../progress/transitions';
import { workshopSchema } from '../workshops/workshop.schema';
import { dueChecks, STABLE_AFTER_MS, STABLE_RECHECK_MS } from './probe-plan';

const workshop = workshopSchema.parse({
  id: 'w',
  title: 'W',
  steps: ['a', 'b', 'c'].map((id) => ({ id, title: id, minutes: 5, checks: [{ id: `${id}1`, title: 'x', ssh: { run: 'true' } }] })),
});
const now = 1_000_000_000;
const known = (ageMs: number): KnownCheck => ({ status: 'pass', reason: null, output: null, since: new Date(now - ageMs) });
const ids = (checks: { id: string }[]) => checks.map((c) => c.id);

describe('dueChecks', () => {
  it('runs everything that has never run', () => {
    expect(ids(dueChecks(workshop, 'a', new Map(), new Map(), now))).toEqual(['a1', 'b1', 'c1']);
  });

  it('runs the current step every sweep and stable checks only every 25 s', () => {
    const stable = new Map([
      ['a1', known(10 * STABLE_AFTER_MS)],
      ['b1', known(10 * STABLE_AFTER_MS)],
      ['c1', known(10 * STABLE_AFTER_MS)],
    ]);
    const justRan = new Map([
      ['a1', now - 5000],
      ['b1', now - 5000],
      ['c1', now - 5000],
    ]);
    expect(ids(dueChecks(workshop, 'b', stable, justRan, now))).toEqual(['b1']);
    const ranLongAgo = new Map([...justRan].map(([id]) => [id, now - STABLE_RECHECK_MS]));
    expect(ids(dueChecks(workshop, 'b', stable, ranLongAgo, now))).toEqual(['a1', 'b1', 'c1']);
  });

  it('keeps checking a check that changed recently', () => {
    const recent = new Map([['a1', known(1000)]]);
    expect(ids(dueChecks(workshop, 'b', recent, new Map([['a1', now - 5000]]), now))).toContain('a1');
  });
});
