import { describe, expect, it } from 'vitest';
import type { KnownCheck } from '../progress/transitions';
import { workshopSchema } from '../workshops/workshop.schema';
import { captureRounds, dueChecks, NOT_REACHED_RECHECK_MS, STABLE_AFTER_MS, STABLE_RECHECK_MS, watchableChecks } from './probe-plan';

const workshop = workshopSchema.parse({
  id: 'w',
  title: 'W',
  steps: ['a', 'b', 'c'].map((id) => ({ id, title: id, minutes: 5, checks: [{ id: `${id}1`, title: 'x', ssh: { run: 'true' } }] })),
});
const now = 1_000_000_000;
const known = (ageMs: number, status: KnownCheck['status'] = 'pass'): KnownCheck => ({ status, reason: null, output: null, since: new Date(now - ageMs) });
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

  it('checks a step not reached yet every minute while it has not passed, and like any done step once it has', () => {
    const ahead = new Map([
      ['a1', known(10 * STABLE_AFTER_MS, 'fail')],
      ['b1', known(10 * STABLE_AFTER_MS, 'fail')],
      ['c1', known(10 * STABLE_AFTER_MS, 'fail')],
    ]);
    const ran = (ago: number) => new Map(['a1', 'b1', 'c1'].map((id) => [id, now - ago]));
    // Current step a: b and c are not reached.
    expect(ids(dueChecks(workshop, 'a', ahead, ran(STABLE_RECHECK_MS), now))).toEqual(['a1']);
    expect(ids(dueChecks(workshop, 'a', ahead, ran(NOT_REACHED_RECHECK_MS), now))).toEqual(['a1', 'b1', 'c1']);
    // c done ahead of the plan can regress: watched like a done step.
    ahead.set('c1', known(10 * STABLE_AFTER_MS, 'pass'));
    expect(ids(dueChecks(workshop, 'a', ahead, ran(STABLE_RECHECK_MS), now))).toEqual(['a1', 'c1']);
    // Every step done (no current step): nothing is "not reached".
    const allDone = new Map(['a1', 'b1', 'c1'].map((id) => [id, known(10 * STABLE_AFTER_MS, 'pass')]));
    expect(ids(dueChecks(workshop, null, allDone, ran(STABLE_RECHECK_MS), now))).toEqual(['a1', 'b1', 'c1']);
  });

  it('runs every step of the current block every sweep, and an optional step ahead like a stable check', () => {
    const v2 = workshopSchema.parse({
      version: 2,
      id: 'w',
      title: 'W',
      steps: [
        { id: 'a', title: 'a', minutes: 5, block: 'x', checks: [{ id: 'a1', title: 'x', ssh: { run: 'true' } }] },
        { id: 'b', title: 'b', minutes: 5, block: 'x', checks: [{ id: 'b1', title: 'x', ssh: { run: 'true' } }] },
        { id: 'c', title: 'c', minutes: 5, optional: true, checks: [{ id: 'c1', title: 'x', ssh: { run: 'true' } }] },
      ],
    });
    const failing = new Map(['a1', 'b1', 'c1'].map((id) => [id, known(10 * STABLE_AFTER_MS, 'fail')]));
    const ran = (ago: number) => new Map(['a1', 'b1', 'c1'].map((id) => [id, now - ago]));
    expect(ids(dueChecks(v2, 'a', failing, ran(5000), now))).toEqual(['a1', 'b1']);
    expect(ids(dueChecks(v2, 'a', failing, ran(STABLE_RECHECK_MS), now))).toEqual(['a1', 'b1', 'c1']);
  });
});

describe('captureRounds', () => {
  const withCapture = workshopSchema.parse({
    version: 2,
    id: 'w',
    title: 'W',
    vars: { php: '8.1' },
    steps: [
      {
        id: 'a',
        title: 'a',
        minutes: 5,
        checks: [
          { id: 'uses', title: 'x', ssh: { run: 'test -x "/usr/bin/php${vars.php}"' } },
          { id: 'other', title: 'x', ssh: { run: 'true' } },
        ],
      },
      { id: 'b', title: 'b', minutes: 5, checks: [{ id: 'finds', title: 'x', ssh: { run: 'php -v', capture: { var: 'php', pattern: 'PHP (\\d+\\.\\d+)' } } }] },
    ],
  });
  const [uses, other] = withCapture.steps[0].checks;
  const [finds] = withCapture.steps[1].checks;
  const rounds = (due: (typeof uses)[], found: Record<string, string>) => captureRounds(withCapture, due, found).map(ids);

  it('runs the check finding a var before the checks using it, in a round of its own', () => {
    expect(rounds([uses, other, finds], {})).toEqual([['finds'], ['uses', 'other']]);
    expect(rounds([uses, other, finds], { php: '8.3' })).toEqual([['finds'], ['uses', 'other']]);
  });

  it('brings in the finding check when the var has not been found on this connection, even when it is not due', () => {
    expect(rounds([uses], {})).toEqual([['finds'], ['uses']]);
  });

  it('is one round when nothing due uses a var not yet found or being found again', () => {
    expect(rounds([uses, other], { php: '8.3' })).toEqual([['uses', 'other']]);
    expect(rounds([other, finds], {})).toEqual([['other', 'finds']]);
    expect(rounds([finds], {})).toEqual([['finds']]);
    expect(captureRounds(workshop, workshop.steps[0].checks, {}).map(ids)).toEqual([['a1']]);
  });
});

describe('watchableChecks', () => {
  const steps = workshopSchema.parse({
    id: 'w',
    title: 'W',
    version: 2,
    vars: { dir: '/tmp' },
    steps: [
      {
        id: 'files',
        title: 'F',
        minutes: 5,
        checks: [
          { id: 'builtin', title: 'x', ssh: { run: 'test -f ~/a' } },
          { id: 'program', title: 'x', ssh: { run: 'grep -q x ~/a' } },
          { id: 'sudo', title: 'x', ssh: { run: 'test -f /root/a', sudo: true } },
          { id: 'value', title: 'x', ssh: { run: 'test -f "${vars.dir}/a"' } },
          { id: 'http', title: 'x', http: { port: 80 } },
        ],
      },
      { id: 'b1', title: 'B', minutes: 5, block: 'b', checks: [{ id: 'in-block-1', title: 'x', ssh: { run: 'read -r x < ~/b' } }] },
      { id: 'b2', title: 'B', minutes: 5, block: 'b', checks: [{ id: 'in-block-2', title: 'x', ssh: { run: 'test -s ~/c' } }] },
    ],
  });

  it('takes the current step’s ssh checks that run in the shell without a process, sudo or values', () => {
    expect(ids(watchableChecks(steps, 'files'))).toEqual(['builtin']);
    expect(watchableChecks(steps, null)).toEqual([]);
  });

  it('takes every step of the current block, as the sweep does', () => {
    expect(ids(watchableChecks(steps, 'b2'))).toEqual(['in-block-1', 'in-block-2']);
  });
});
