import type { KnownCheck } from '../progress/transitions';
import type { CheckDefinition, SshCheckDefinition, WorkshopDefinition } from '../workshops/workshop.schema';
import { capturingChecks, varsUsedBy } from './check-values';
import { readShellCheck } from './shell-reading';

/** A check whose status has not changed for this long is stable. */
export const STABLE_AFTER_MS = 60_000;
/** Stable checks still run this often, so a regression shows within ~30 s (this plus one probe interval). */
export const STABLE_RECHECK_MS = 25_000;
/**
 * A stable check that has never passed, in a step the attendee has not reached, has nothing to
 * regress: it only tells of work done ahead of the plan, which can wait a minute. Reaching the step
 * makes it the current step's (every sweep), and finishing a step runs the next step's checks at once.
 */
export const NOT_REACHED_RECHECK_MS = 60_000;

/**
 * Which checks to run on a VM in this sweep: the current step's every time, anything new or recently
 * changed every time, stable checks every STABLE_RECHECK_MS, and the not-yet-passing checks of steps
 * after the current one every NOT_REACHED_RECHECK_MS. Cheap for small VMs and for Navigator, and a
 * regression is never missed for more than about 30 s.
 */
export function dueChecks(
  workshop: WorkshopDefinition,
  currentStepId: string | null,
  known: ReadonlyMap<string, KnownCheck>,
  lastRunAt: ReadonlyMap<string, number>,
  now: number,
): CheckDefinition[] {
  const currentIndex = workshop.steps.findIndex((step) => step.id === currentStepId);
  const currentBlock = workshop.steps[currentIndex]?.block;
  return workshop.steps.flatMap((step, index) =>
    step.checks.filter((check) => {
      const status = known.get(check.id);
      const lastRun = lastRunAt.get(check.id);
      // The steps of the current block are all current: any of them may be the one being done.
      const current = step.id === currentStepId || (currentBlock !== undefined && step.block === currentBlock);
      if (current || !status || lastRun === undefined) return true;
      if (now - status.since.getTime() < STABLE_AFTER_MS) return true;
      // An optional step is never reached by the plan: it can be done at any time, so it is rechecked like a stable check.
      const notReached = currentIndex >= 0 && index > currentIndex && status.status !== 'pass' && !step.optional;
      return now - lastRun >= (notReached ? NOT_REACHED_RECHECK_MS : STABLE_RECHECK_MS);
    }),
  );
}

/**
 * The due checks in the rounds to run them in, one batch each. A check that uses a var some check
 * `capture`s runs only once the VM's own value is known: the checks finding the vars it uses go in a
 * round before it, and those whose var has not been found on this connection are brought in even when
 * not due (after a restart or a reconnect, the first sweep finds them again before anything uses them).
 * Without such a check there is one round, as before. A check waiting still for its var says so (see
 * CheckValues.awaited) rather than run with the workshop's default.
 */
export function captureRounds(workshop: WorkshopDefinition, due: readonly CheckDefinition[], found: Readonly<Record<string, string>>): CheckDefinition[][] {
  const capturing = capturingChecks(workshop);
  if (capturing.size === 0) return [[...due]];
  const first = new Set<CheckDefinition>();
  for (const check of due)
    for (const name of varsUsedBy(check)) {
      for (const finder of capturing.get(name) ?? []) if (found[name] === undefined || due.includes(finder)) first.add(finder);
    }
  if (first.size === 0) return [[...due]];
  const rest = due.filter((check) => !first.has(check));
  return rest.length === 0 ? [[...first]] : [[...first], rest];
}

/** `${vars.…}` or `${attendee.…}`: values reach a check only in a sweep's batch (see check-values). */
const NAMES_A_VALUE = /\$\{(?:vars|attendee)\./;

/**
 * The current step's checks a VM-side watch can read every tick without starting a process: `ssh`
 * checks of shell builtins and file reads, without sudo or values (see StepWatchService). The steps
 * of the current block are all current, as for dueChecks.
 */
export function watchableChecks(workshop: WorkshopDefinition, currentStepId: string | null): SshCheckDefinition[] {
  const current = workshop.steps.find((step) => step.id === currentStepId);
  if (!current) return [];
  return workshop.steps
    .filter((step) => step === current || (current.block !== undefined && step.block === current.block))
    .flatMap((step) => step.checks)
    .filter(
      (check): check is SshCheckDefinition =>
        check.kind === 'ssh' && !check.ssh.sudo && !NAMES_A_VALUE.test(check.ssh.run) && readShellCheck(check.ssh.run).mode === 'builtin',
    );
}
