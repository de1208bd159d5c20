import type { CellState, CheckStatus, ConnectionState, StepState } from '../contract/checks';
import { isSticky, type WorkshopDefinition } from '../workshops/workshop.schema';

export interface StepProgress {
  steps: Record<string, StepState>;
  currentStepId: string | null;
  /** Steps done, optional ones left out: what pace and the board count. */
  doneCount: number;
}

/**
 * The one mapping from check statuses to step states. A check with no status yet is pending. A step
 * done out of order (after the current one) is still shown done: progress is never hidden.
 *
 * A sticky check (or every check of a sticky step) that ever passed counts as passed (`passedOnce`).
 * An optional step is done or not_yet, never current. The steps of the current step's block may be
 * done in any order: those not done are all shown current.
 */
export function stepProgress(
  workshop: WorkshopDefinition,
  statuses: Readonly<Record<string, CheckStatus | undefined>>,
  passedOnce: ReadonlySet<string> = new Set(),
): StepProgress {
  const steps: Record<string, StepState> = {};
  let currentStepId: string | null = null;
  let currentBlock: string | undefined;
  let doneCount = 0;
  for (const step of workshop.steps) {
    const stepStatuses = step.checks.map((check) => (isSticky(step, check) && passedOnce.has(check.id) ? 'pass' : statuses[check.id]));
    if (stepStatuses.every((status) => status === 'pass')) {
      steps[step.id] = 'done';
      if (!step.optional) doneCount += 1;
    } else if (step.optional) {
      steps[step.id] = 'not_yet';
    } else if (currentStepId === null) {
      currentStepId = step.id;
      currentBlock = step.block;
      steps[step.id] = stepStatuses.some((status) => status === 'fail' || status === 'error') ? 'failing' : 'current';
    } else {
      steps[step.id] = step.block !== undefined && step.block === currentBlock ? 'current' : 'not_yet';
    }
  }
  return { steps, currentStepId, doneCount };
}

/** A board cell: a step not done cannot be judged while the VM is unreachable, so it says so. */
export function cellStates(steps: Readonly<Record<string, StepState>>, connection: ConnectionState): Record<string, CellState> {
  if (connection !== 'unreachable') return { ...steps };
  return Object.fromEntries(Object.entries(steps).map(([id, state]) => [id, state === 'done' ? 'done' : 'unreachable']));
}
