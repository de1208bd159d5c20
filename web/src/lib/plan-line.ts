import type { PaceView } from '$server/contract/views';

/** What the board's and the projector's "Plan:" line names: the talk the agenda is in, else the planned step. */
export function planLine(pace: PaceView, steps: readonly { title: string }[]): string {
  if (pace.plannedTalk !== null) return `Talk — ${pace.plannedTalk}`;
  return pace.plannedStepIndex < steps.length ? steps[pace.plannedStepIndex].title : 'finished';
}
