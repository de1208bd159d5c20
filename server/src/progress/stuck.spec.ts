import { describe, expect, it } from 'vitest';
import { pace } from './pace';
import { DEFAULT_STUCK_RULES, doneShares, stuckOf, type AttendeeProgressState } from './stuck';

const steps = [
  { id: 'a', minutes: 10 },
  { id: 'b', minutes: 20 },
  { id: 'c', minutes: 10 },
];
const t0 = Date.parse('2026-01-01T10:00:00Z');
const at = (minutes: number) => t0 + minutes * 60_000;
const iso = (minutes: number) => new Date(at(minutes)).toISOString();
const onStep = (stepId: string, sinceMinute: number, done: string[] = []): AttendeeProgressState => ({
  currentStepId: stepId,
  currentStepSince: iso(sinceMinute),
  doneStepIds: done,
  connectionState: 'connected',
  connectionSince: iso(0),
});

describe('stuckOf', () => {
  it('fires after planned minutes × factor on the same step', () => {
    expect(stuckOf(onStep('a', 0), steps, {}, DEFAULT_STUCK_RULES, at(14))).toBeNull();
    expect(stuckOf(onStep('a', 0), steps, {}, DEFAULT_STUCK_RULES, at(15))).toEqual({ kind: 'overdue', since: iso(0), plannedMinutes: 10 });
  });

  it('fires when most of the room has moved past, after a grace period', () => {
    const shares = { a: 0.75, b: 0, c: 0 };
    expect(stuckOf(onStep('a', 0), steps, shares, DEFAULT_STUCK_RULES, at(2))).toBeNull();
    expect(stuckOf(onStep('a', 0), steps, shares, DEFAULT_STUCK_RULES, at(4))).toEqual({ kind: 'room_moved_on', since: iso(0), share: 0.75 });
  });

  it('fires when unreachable for more than a minute, whatever the step', () => {
    const gone = { ...onStep('a', 0), connectionState: 'unreachable' as const, connectionSince: iso(5) };
    expect(stuckOf(gone, steps, {}, DEFAULT_STUCK_RULES, at(5.5))).toBeNull();
    expect(stuckOf(gone, steps, {}, DEFAULT_STUCK_RULES, at(7))).toEqual({ kind: 'unreachable', since: iso(5) });
  });

  it('is never stuck once done', () => {
    expect(stuckOf({ ...onStep('a', 0), currentStepId: null }, steps, {}, DEFAULT_STUCK_RULES, at(500))).toBeNull();
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
    expect(pace(5 * 60_000, steps, [0, 0, 1])).toEqual({ plannedTalk: null, plannedStepIndex: 0, medianDone: 0, minutesAhead: 0 });
    expect(pace(25 * 60_000, steps, [0, 0, 1])).toEqual({ plannedTalk: null, plannedStepIndex: 1, medianDone: 0, minutesAhead: -15 });
    expect(pace(5 * 60_000, steps, [2, 2, 1])).toEqual({ plannedTalk: null, plannedStepIndex: 0, medianDone: 2, minutesAhead: 25 });
    expect(pace(60 * 60_000, steps, [3, 3])).toEqual({ plannedTalk: null, plannedStepIndex: 3, medianDone: 3, minutesAhead: 0 });
  });
});

describe('pace with talks and optional steps', () => {
  const agenda = [
    { id: 'intro', title: 'How the pieces fit', minutes: 10, kind: 'talk' as const },
    { id: 'a', minutes: 10 },
    { id: 'extra', minutes: 10, kind: 'optional' as const },
    { id: 'b', minutes: 10 },
  ];

  it('follows the agenda: during a talk the plan names it, and is on the step after it', () => {
    expect(pace(5 * 60_000, agenda, [0])).toEqual({ plannedTalk: 'How the pieces fit', plannedStepIndex: 0, medianDone: 0, minutesAhead: 5 });
    expect(pace(15 * 60_000, agenda, [0])).toEqual({ plannedTalk: null, plannedStepIndex: 0, medianDone: 0, minutesAhead: 0 });
  });

  it('leaves optional steps out of what is counted, but keeps their time on the clock', () => {
    expect(pace(25 * 60_000, agenda, [1])).toEqual({ plannedTalk: null, plannedStepIndex: 1, medianDone: 1, minutesAhead: 5 });
    expect(pace(45 * 60_000, agenda, [2])).toEqual({ plannedTalk: null, plannedStepIndex: 3, medianDone: 2, minutesAhead: 0 });
  });
});
