import { describe, expect, it } from 'vitest';
import { currentStepState, type CurrentStepFacts } from './working-on-it';

const t0 = Date.parse('2026-01-01T09:00:00Z');
const min = (m: number) => t0 + m * 60_000;
const step = (notPassing: CurrentStepFacts['notPassing'], plannedMinutes = 10, arrivedAt = t0): CurrentStepFacts => ({ plannedMinutes, arrivedAt, notPassing });

describe('currentStepState: working on it, or failing', () => {
  it('a fresh step whose checks fail is working on it, not failing: 09:00 is not a wall of red', () => {
    expect(currentStepState(step([{ status: 'fail', since: min(0), broke: false }]), min(1))).toBe('current');
    expect(currentStepState(step([{ status: 'fail', since: min(0), broke: false }]), min(4.9))).toBe('current');
  });

  it('failing once the checks have failed for longer than it is reasonable to be starting (half the planned minutes, at least 2)', () => {
    expect(currentStepState(step([{ status: 'fail', since: min(0), broke: false }]), min(5.1))).toBe('failing');
    expect(currentStepState(step([{ status: 'fail', since: min(0), broke: false }], 2), min(1.9))).toBe('current');
    expect(currentStepState(step([{ status: 'fail', since: min(0), broke: false }], 2), min(2.1))).toBe('failing');
  });

  it('counts from arrival at the step, not from a failure that was there before (registration, the previous step)', () => {
    const arrived = step([{ status: 'fail', since: min(-30), broke: false }], 10, min(20));
    expect(currentStepState(arrived, min(24))).toBe('current');
    expect(currentStepState(arrived, min(26))).toBe('failing');
  });

  it('what broke is failing at once', () => {
    expect(currentStepState(step([{ status: 'fail', since: min(1), broke: true }]), min(1))).toBe('failing');
  });

  it('errors and checks not yet run are never the attendee failing', () => {
    expect(currentStepState(step([{ status: 'error', since: min(0), broke: false }]), min(60))).toBe('current');
    expect(currentStepState(step([{ status: 'pending', since: min(0), broke: false }]), min(60))).toBe('current');
  });
});
