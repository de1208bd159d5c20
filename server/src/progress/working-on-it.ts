import type { CheckStatus, StepState } from '../contract/checks';

/**
 * A fresh current step is "working on it", not "failing": at 09:00 every attendee's first step has
 * failing checks because nobody has done anything yet, and a board of red says nothing. `failing`
 * is kept for what broke (a check of the step that passed and now fails) and for what is overdue
 * (its checks have failed for longer than it is reasonable to be starting on it). A check that could
 * not be evaluated (`error`) is never the attendee's failing: the check itself says why.
 */
export interface CurrentStepFacts {
  plannedMinutes: number;
  /** When the attendee arrived at the step (ms). */
  arrivedAt: number;
  /** The step's checks that do not pass, with when their status began and whether they broke (passed, then failed). */
  notPassing: { status: Exclude<CheckStatus, 'pass'> | 'pending'; since: number; broke: boolean }[];
}

export interface WorkingOnItRules {
  /** A step is being started for this share of its planned minutes… */
  startingShare: number;
  /** …and at least this long. */
  minStartingMinutes: number;
}

export const DEFAULT_WORKING_ON_IT: WorkingOnItRules = { startingShare: 0.5, minStartingMinutes: 2 };

export function currentStepState(
  facts: CurrentStepFacts,
  now: number,
  rules: WorkingOnItRules = DEFAULT_WORKING_ON_IT,
): Extract<StepState, 'current' | 'failing'> {
  const failing = facts.notPassing.filter((check) => check.status === 'fail');
  if (failing.length === 0) return 'current';
  if (failing.some((check) => check.broke)) return 'failing';
  const startingMs = Math.max(rules.minStartingMinutes, facts.plannedMinutes * rules.startingShare) * 60_000;
  // Failing since before the attendee reached the step (registration, the previous step) counts from arrival.
  const failingFor = now - Math.max(facts.arrivedAt, Math.min(...failing.map((check) => check.since)));
  return failingFor > startingMs ? 'failing' : 'current';
}
