import { describe, expect, it } from 'vitest';
import { workshopSchema } from '../workshops/workshop.schema';
import { cellStates, stepProgress } from './step-progress';

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

describe('stepProgress, version 2 steps', () => {
  const v2 = workshopSchema.parse({
    version: 2,
    id: 'w',
    title: 'W',
    steps: [
      { id: 'intro', title: 'Intro', minutes: 5, talk: true },
      {
        id: 'a',
        title: 'A',
        minutes: 5,
        checks: [
          { id: 'a1', title: 'x', ssh: { run: 'true' }, sticky: true },
          { id: 'a2', title: 'y', ssh: { run: 'true' } },
        ],
      },
      { id: 'extra', title: 'Extra', minutes: 5, optional: true, checks: [{ id: 'e1', title: 'x', ssh: { run: 'true' } }] },
      { id: 'b', title: 'B', minutes: 5, block: 'pair', checks: [{ id: 'b1', title: 'x', ssh: { run: 'true' } }] },
      { id: 'c', title: 'C', minutes: 5, block: 'pair', sticky: true, checks: [{ id: 'c1', title: 'x', ssh: { run: 'true' } }] },
      { id: 'd', title: 'D', minutes: 5, checks: [{ id: 'd1', title: 'x', ssh: { run: 'true' } }] },
    ],
  });

  it('leaves talks out of the steps', () => {
    expect(v2.steps.map((s) => s.id)).toEqual(['a', 'extra', 'b', 'c', 'd']);
    expect(stepProgress(v2, {}).steps).not.toHaveProperty('intro');
  });

  it('a sticky check that passed once counts as passed; a check that is not sticky does not', () => {
    expect(stepProgress(v2, { a1: 'fail', a2: 'pass' }, new Set(['a1', 'a2'])).steps.a).toBe('done');
    expect(stepProgress(v2, { a1: 'pass', a2: 'fail' }, new Set(['a1', 'a2'])).steps.a).toBe('failing');
  });

  it('a sticky step stays done once every check passed', () => {
    const done = new Set(['a1', 'a2', 'b1', 'c1']);
    expect(stepProgress(v2, { a1: 'pass', a2: 'pass', b1: 'pass', c1: 'fail' }, done).steps.c).toBe('done');
  });

  it('an optional step is never current and not counted', () => {
    const progress = stepProgress(v2, { a1: 'pass', a2: 'pass', e1: 'fail' });
    expect(progress).toMatchObject({ currentStepId: 'b', doneCount: 1 });
    expect(progress.steps.extra).toBe('not_yet');
    expect(stepProgress(v2, { a1: 'pass', a2: 'pass', e1: 'pass' })).toMatchObject({ doneCount: 1, steps: { extra: 'done' } });
  });

  it('the steps of the current block are all current, in any order', () => {
    const ab = { a1: 'pass', a2: 'pass' } as const;
    expect(stepProgress(v2, ab).steps).toMatchObject({ b: 'current', c: 'current', d: 'not_yet' });
    expect(stepProgress(v2, { ...ab, c1: 'pass' })).toMatchObject({ currentStepId: 'b', steps: { b: 'current', c: 'done', d: 'not_yet' } });
    expect(stepProgress(v2, { ...ab, b1: 'pass' })).toMatchObject({ currentStepId: 'c', steps: { c: 'current', d: 'not_yet' } });
  });
});

describe('cellStates', () => {
  it('shows steps not done as unreachable while the VM is, and done steps as done', () => {
    const steps = { a: 'done', b: 'failing', c: 'not_yet' } as const;
    expect(cellStates(steps, 'unreachable')).toEqual({ a: 'done', b: 'unreachable', c: 'unreachable' });
    expect(cellStates(steps, 'connected')).toEqual(steps);
    expect(cellStates(steps, 'waiting')).toEqual(steps);
  });
});
