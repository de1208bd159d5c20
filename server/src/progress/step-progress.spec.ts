import { describe, expect, it } from 'vitest';
import { workshopSchema } from '../workshops/workshop.schema';
import { stepProgress } from './step-progress';

const workshop = workshopSchema.parse({
  id: 'w',
  title: 'W',
  steps: ['a', 'b', 'c'].map((id) => ({
    id,
    title: id,
    minutes: 5,
    checks: [
      { id: `${id}1`, title: 'x', ssh: { run: 'true' } },
      { id: `${id}2`, title: 'y', ssh: { run: 'true' } },
    ],
  })),
});

describe('stepProgress', () => {
  it('nothing known yet: the first step is current', () => {
    expect(stepProgress(workshop, {})).toEqual({ steps: { a: 'current', b: 'not_yet', c: 'not_yet' }, currentStepId: 'a', doneCount: 0 });
  });

  it('a step with a failing check is failing; one with only pending checks is current', () => {
    expect(stepProgress(workshop, { a1: 'pass', a2: 'fail' }).steps.a).toBe('failing');
    expect(stepProgress(workshop, { a1: 'pass' }).steps.a).toBe('current');
    expect(stepProgress(workshop, { a1: 'error', a2: 'pass' }).steps.a).toBe('failing');
  });

  it('shows steps done out of order as done, and the first undone as current', () => {
    expect(stepProgress(workshop, { a1: 'pass', a2: 'pass', c1: 'pass', c2: 'pass' })).toEqual({
      steps: { a: 'done', b: 'current', c: 'done' },
      currentStepId: 'b',
      doneCount: 2,
    });
  });

  it('all done: no current step', () => {
    const all = Object.fromEntries(['a1', 'a2', 'b1', 'b2', 'c1', 'c2'].map((id) => [id, 'pass' as const]));
    expect(stepProgress(workshop, all)).toMatchObject({ currentStepId: null, doneCount: 3 });
  });
});
