import type { WorkshopDefinition } from '../workshops/workshop.schema';

export type CheckState = 'pass' | 'fail' | 'error' | 'pending';

/**
 * done: every check passes. current: the first step not done. failing: the current step, when one
 * of its checks ran and did not pass. not_yet: after the current step and not done. A step done
 * out of order (after the current one) is still shown done: progress is never hidden.
 */
export type StepState = 'done' | 'current' | 'failing' | 'not_yet';

export interface StepProgress {
  steps: Record<string, StepState>;
  currentStepId: string | null;
  doneCount: number;
}

export function stepProgress(workshop: WorkshopDefinition, checkStates: Record<string, CheckState | undefined>): StepProgress {
  const steps: Record<string, StepState> = {};
  let currentStepId: string | null = null;
  let doneCount = 0;
  for (const step of workshop.steps) {
    const states = step.checks.map((check) => checkStates[check.id] ?? 'pending');
    if (states.every((state) => state === 'pass')) {
      steps[step.id] = 'done';
      doneCount += 1;
    } else if (currentStepId === null) {
      currentStepId = step.id;
      steps[step.id] = states.some((state) => state === 'fail' || state === 'error') ? 'failing' : 'current';
    } else {
      steps[step.id] = 'not_yet';
    }
  }
  return { steps, currentStepId, doneCount };
}
