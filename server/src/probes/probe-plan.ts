import type { KnownCheck } from '../progress/transitions';
import type { CheckDefinition, WorkshopDefinition } from '../workshops/workshop.schema';

/** A check whose status has not changed for this long is stable. */
export const STABLE_AFTER_MS = 60_000;
/** Stable checks still run this often, so a regression shows within ~30 s (this plus one probe interval). */
export const STABLE_RECHECK_MS = 25_000;

/**
 * Which checks to run on a VM in this sweep: the current step's every time, anything new or recently
 * changed every time, and stable checks (done steps, steps not started) only every STABLE_RECHECK_MS.
 * Cheap for small VMs, and a regression is never missed for more than about 30 s.
 */
export function dueChecks(
  workshop: WorkshopDefinition,
  currentStepId: string | null,
  known: ReadonlyMap<string, KnownCheck>,
  lastRunAt: ReadonlyMap<string, number>,
  now: number,
): CheckDefinition[] {
  return workshop.steps.flatMap((step) =>
    step.checks.filter((check) => {
      const status = known.get(check.id);
      const lastRun = lastRunAt.get(check.id);
      if (step.id === currentStepId || !status || lastRun === undefined) return true;
      if (now - status.since.getTime() < STABLE_AFTER_MS) return true;
      return now - lastRun >= STABLE_RECHECK_MS;
    }),
  );
}
