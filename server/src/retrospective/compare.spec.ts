import { describe, expect, it } from 'vitest';
import type { RetrospectiveView, StepStatView, StuckCheckView } from '../contract/retrospective';
import { compareRuns } from './compare';

const step = (id: string, reached: number, finished: number, median: number | null): StepStatView => ({
  id,
  title: id.toUpperCase(),
  plannedMinutes: 5,
  reached,
  finished,
  doneAhead: 0,
  gaveUp: reached - finished,
  left: 0,
  neverReached: 10 - reached,
  medianMinutes: median,
  p90Minutes: median,
  overPlan: 0,
  overPlanMinutes: 0,
  histogram: { binMinutes: 1, counts: [] },
  hint: '',
});
const stuck = (checkId: string, stepId: string, minutes: number): StuckCheckView => ({
  checkId,
  title: checkId,
  stepId,
  stepTitle: stepId.toUpperCase(),
  minutes,
  attendees: 1,
  reasons: [],
  failure: null,
  hint: '',
});
const retro = (number: number, steps: StepStatView[], stuckChecks: StuckCheckView[]) =>
  ({ run: { number, id: `w-run-${number}` }, steps, stuckChecks }) as unknown as RetrospectiveView;

describe('compareRuns', () => {
  const a = retro(1, [step('a', 10, 10, 4), step('b', 10, 6, 12), step('old', 4, 4, 2)], [stuck('b1', 'b', 60), stuck('a1', 'a', 10), stuck('o1', 'old', 4)]);
  const b = retro(
    2,
    [step('a', 20, 20, 5), step('b', 20, 19, 8), step('new', 0, 0, null)],
    [stuck('b1', 'b', 40), stuck('a1', 'a', 60), stuck('n1', 'new', 1)],
  );
  const comparison = compareRuns(a, b);

  it('puts per-step medians side by side, steps of an updated file on their own side', () => {
    expect(comparison.steps.map((s) => [s.id, s.medianMinutes.a, s.medianMinutes.b, s.finishedShare.a, s.finishedShare.b])).toEqual([
      ['a', 4, 5, 1, 1],
      ['b', 12, 8, 0.6, 0.95],
      ['old', 2, null, 1, null],
      ['new', null, null, null, null],
    ]);
  });

  it('judges stuck checks per attendee who reached the step, so runs of different sizes compare; most changed first', () => {
    expect(comparison.checks.map((c) => [c.checkId, c.minutesPerAttendee.a, c.minutesPerAttendee.b, c.verdict])).toEqual([
      ['b1', 6, 2, 'better'],
      ['a1', 1, 3, 'worse'],
      ['o1', 1, null, 'gone'],
      ['n1', null, null, 'new'],
    ]);
  });

  it('says no data when nobody reached the step in one run, rather than calling it better', () => {
    const empty = retro(3, [step('a', 0, 0, null), step('b', 0, 0, null)], []);
    expect(compareRuns(a, empty).checks.find((c) => c.checkId === 'b1')).toMatchObject({ minutesPerAttendee: { a: 6, b: null }, verdict: 'no data' });
  });
});
