import { describe, expect, it } from 'vitest';
import { DEFAULT_STUCK_RULES, doneShares, pace, stuckReason, type AttendeeState } from './room';

const steps = [
  { id: 'a', minutes: 10 },
  { id: 'b', minutes: 20 },
  { id: 'c', minutes: 10 },
];
const t0 = Date.parse('2026-01-01T10:00:00Z');
const at = (minutes: number) => t0 + minutes * 60_000;
const iso = (minutes: number) => new Date(at(minutes)).toISOString();
const onStep = (stepId: string, sinceMinute: number, done: string[] = []): AttendeeState => ({
  currentStepId: stepId,
  currentStepSince: iso(sinceMinute),
  doneStepIds: done,
  connectionState: 'connected',
  connectionSince: iso(0),
});

describe('stuckReason', () => {
  it('fires after planned minutes × factor on the same step', () => {
    expect(stuckReason(onStep('a', 0), steps, {}, DEFAULT_STUCK_RULES, at(14))).toBeNull();
    expect(stuckReason(onStep('a', 0), steps, {}, DEFAULT_STUCK_RULES, at(15))).toBe('15 min on a 10 min step');
  });

  it('fires when most of the room has moved past, after a grace period', () => {
    const shares = { a: 0.75, b: 0, c: 0 };
    expect(stuckReason(onStep('a', 0), steps, shares, DEFAULT_STUCK_RULES, at(2))).toBeNull();
    expect(stuckReason(onStep('a', 0), steps, shares, DEFAULT_STUCK_RULES, at(4))).toBe('75% of the room is past this step');
  });

  it('fires when unreachable for more than a minute, whatever the step', () => {
    const gone = { ...onStep('a', 0), connectionState: 'unreachable' as const, connectionSince: iso(5) };
    expect(stuckReason(gone, steps, {}, DEFAULT_STUCK_RULES, at(5.5))).toBeNull();
    expect(stuckReason(gone, steps, {}, DEFAULT_STUCK_RULES, at(7))).toBe('unreachable for 2 min');
  });

  it('is never stuck once done', () => {
    expect(stuckReason({ ...onStep('a', 0), currentStepId: null }, steps, {}, DEFAULT_STUCK_RULES, at(500))).toBeNull();
  });
});

describe('doneShares', () => {
  it('counts who has done each step', () => {
    expect(doneShares(steps, [{ doneStepIds: ['a'] }, { doneStepIds: ['a', 'b'] }, { doneStepIds: [] }, { doneStepIds: ['a'] }])).toEqual({
      a: 0.75,
      b: 0.25,
      c: 0,
    });
  });
});

describe('pace', () => {
  it('says where the room should be and how far the median attendee is ahead or behind', () => {
    expect(pace(5 * 60_000, steps, [0, 0, 1])).toEqual({ plannedStepIndex: 0, medianDone: 0, minutesAhead: 0 });
    expect(pace(25 * 60_000, steps, [0, 0, 1])).toEqual({ plannedStepIndex: 1, medianDone: 0, minutesAhead: -15 });
    expect(pace(5 * 60_000, steps, [2, 2, 1])).toEqual({ plannedStepIndex: 0, medianDone: 2, minutesAhead: 25 });
    expect(pace(60 * 60_000, steps, [3, 3])).toEqual({ plannedStepIndex: 3, medianDone: 3, minutesAhead: 0 });
  });
});
