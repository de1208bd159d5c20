import type { AttendeeRecord, PlannedStepRecord, TransitionRecord } from './run-record';

/** Not connected yet: before the attendee's VM was first reached, they are on no step. */
export const NOT_STARTED = -1;

/** The attendee's state from `at` until the next point: their current step (steps.length when all are done). */
export interface StatePoint {
  at: number;
  current: number;
  doneCount: number;
  unreachable: boolean;
}

/** One attendee's run, replayed: what each statistic is read from. Durations in ms, inside the window only. */
export interface AttendeeReplay {
  attendee: AttendeeRecord;
  points: StatePoint[];
  everConnected: boolean;
  /** Per step (index): first time it was the current step, first time all its checks passed. */
  arrivedAt: (number | null)[];
  firstDoneAt: (number | null)[];
  /** Done while an earlier step was still open: finished, with no time of its own. */
  doneAhead: boolean[];
  /** Time as the current step before it was first done. */
  msBeforeDone: number[];
  /** Per check: time not passing while its step was current and the VM reachable; and by reason. */
  stuckMs: Map<string, number>;
  stuckByReason: Map<string, Map<string, number>>;
  unreachableByReason: Map<string, number>;
  unreachableEpisodes: number;
  /** State at the end of the window. */
  endCurrent: number;
  endUnreachable: boolean;
  /** When the VM went unreachable for good, after having been connected. */
  leftAt: number | null;
}

/** The workshop's checks as indexes, worked out once for all attendees of a run. */
export interface ReplayPlan {
  steps: readonly PlannedStepRecord[];
  checkIndex: ReadonlyMap<string, number>;
  stepOfCheck: Int32Array;
  checksOfStep: number[][];
  /** Format version 2: checks that count as passed once they passed; optional steps. */
  sticky: Uint8Array;
  optional: boolean[];
}

export function replayPlan(steps: readonly PlannedStepRecord[]): ReplayPlan {
  const checkIndex = new Map<string, number>();
  const stepOf: number[] = [];
  const checksOfStep = steps.map((step, s) =>
    step.checks.map((check) => {
      checkIndex.set(check.id, stepOf.length);
      stepOf.push(s);
      return stepOf.length - 1;
    }),
  );
  const sticky = Uint8Array.from(steps.flatMap((step) => step.checks.map((check) => (check.sticky ? 1 : 0))));
  return { steps, checkIndex, stepOfCheck: Int32Array.from(stepOf), checksOfStep, sticky, optional: steps.map((step) => step.optional === true) };
}

const PASS = 1;
const FAIL = 2;
const ERROR = 3;
const OTHER = 4;

function statusCode(status: string): number {
  return status === 'pass' ? PASS : status === 'fail' ? FAIL : status === 'error' ? ERROR : OTHER;
}

/**
 * Replays one attendee's transitions. Transitions with the same timestamp are applied together before the
 * steps are judged (two checks changing in one probe never make a step look done in between); stored order
 * decides within a timestamp, time order across. Time counts from `startAt` (registration or the clock's
 * start, whichever is later) to `endAt`.
 */
export function replayAttendee(
  attendee: AttendeeRecord,
  steps: readonly PlannedStepRecord[] | ReplayPlan,
  transitions: readonly TransitionRecord[],
  zeroAt: number,
  endAt: number,
): AttendeeReplay {
  const plan = 'checkIndex' in steps ? steps : replayPlan(steps);
  const n = plan.steps.length;
  const checkCount = plan.stepOfCheck.length;
  const startAt = Math.min(endAt, Math.max(attendee.registeredAt, zeroAt));
  const status = new Uint8Array(checkCount);
  const reasons: (string | null)[] = new Array<string | null>(checkCount).fill(null);
  const passing = new Int32Array(n);
  /** Whether each check counts as passed for its step: passing now, or sticky and passed once. */
  const counted = new Uint8Array(checkCount);
  const stuckMs = new Float64Array(checkCount);
  const stuckByReason: (Map<string, number> | undefined)[] = new Array<Map<string, number> | undefined>(checkCount);
  const unreachableByReason = new Map<string, number>();
  const arrivedAt: (number | null)[] = new Array<number | null>(n).fill(null);
  const firstDoneAt: (number | null)[] = new Array<number | null>(n).fill(null);
  const doneAhead: boolean[] = new Array<boolean>(n).fill(false);
  const msBeforeDone: number[] = new Array<number>(n).fill(0);
  const points: StatePoint[] = [{ at: attendee.registeredAt, current: NOT_STARTED, doneCount: 0, unreachable: false }];

  let everConnected = false;
  let unreachableEpisodes = 0;
  let leftAt: number | null = null;
  let unreachable = false;
  let unreachableReason: string | null = null;
  let started = false;
  let current = NOT_STARTED;
  let doneCount = 0;
  let since = startAt;

  const accumulate = (until: number) => {
    const from = since > startAt ? since : startAt;
    const to = until < endAt ? until : endAt;
    if (to <= from) return;
    const ms = to - from;
    if (unreachable) {
      const reason = unreachableReason ?? 'error';
      unreachableByReason.set(reason, (unreachableByReason.get(reason) ?? 0) + ms);
    }
    if (!started || current >= n || current < 0) return;
    if (firstDoneAt[current] === null) msBeforeDone[current] += ms;
    if (unreachable) return; // the statuses are stale while the VM cannot be reached
    for (const c of plan.checksOfStep[current]) {
      const code = status[c];
      if (code !== FAIL && code !== ERROR) continue;
      stuckMs[c] += ms;
      const byReason = (stuckByReason[c] ??= new Map<string, number>());
      const reason = reasons[c] ?? (code === FAIL ? 'fail' : 'error');
      byReason.set(reason, (byReason.get(reason) ?? 0) + ms);
    }
  };

  const judge = (at: number) => {
    let next = n;
    let done = 0;
    for (let i = 0; i < n; i++) {
      if (passing[i] === plan.checksOfStep[i].length) {
        if (!plan.optional[i]) done += 1;
        if (firstDoneAt[i] === null) {
          firstDoneAt[i] = at;
          if (arrivedAt[i] === null && started) doneAhead[i] = next < i;
        }
      } else if (next === n && !plan.optional[i]) next = i;
    }
    doneCount = done;
    current = started ? next : NOT_STARTED;
    if (started && current < n && arrivedAt[current] === null) arrivedAt[current] = at;
    const last = points[points.length - 1];
    if (last.current !== current || last.unreachable !== unreachable || last.doneCount !== doneCount) {
      if (last.at === at && points.length > 1) points.pop();
      points.push({ at, current, doneCount, unreachable });
    }
  };

  const ordered = stableByTime(transitions);
  for (let i = 0; i < ordered.length;) {
    const at = ordered[i].at;
    accumulate(at);
    if (at > since) since = at;
    for (; i < ordered.length && ordered[i].at === at; i++) {
      const t = ordered[i];
      if (t.checkId === null) {
        const goesAway = t.to === 'unreachable';
        if (goesAway && !unreachable) {
          if (at < endAt) unreachableEpisodes += 1;
          if (everConnected) leftAt = at;
        }
        if (!goesAway) {
          started = true;
          everConnected = true;
          leftAt = null;
        }
        unreachable = goesAway;
        unreachableReason = goesAway ? t.reason : null;
        continue;
      }
      const c = plan.checkIndex.get(t.checkId);
      if (c === undefined) continue; // a check the workshop no longer has
      // A probe result proves the VM was reached, even if its connection transition was lost.
      started = true;
      everConnected = true;
      status[c] = statusCode(t.to);
      reasons[c] = t.reason;
      const counts = status[c] === PASS || (plan.sticky[c] === 1 && counted[c] === 1) ? 1 : 0;
      if (counts !== counted[c]) passing[plan.stepOfCheck[c]] += counts - counted[c];
      counted[c] = counts;
    }
    judge(at);
  }
  accumulate(endAt);

  const stuck = new Map<string, number>();
  const stuckReasons = new Map<string, Map<string, number>>();
  plan.checkIndex.forEach((c, id) => {
    if (stuckMs[c] > 0) stuck.set(id, stuckMs[c]);
    const byReason = stuckByReason[c];
    if (byReason) stuckReasons.set(id, byReason);
  });
  return {
    attendee,
    points,
    everConnected,
    arrivedAt,
    firstDoneAt,
    doneAhead,
    msBeforeDone,
    stuckMs: stuck,
    stuckByReason: stuckReasons,
    unreachableByReason,
    unreachableEpisodes,
    endCurrent: current,
    endUnreachable: unreachable,
    leftAt: unreachable ? leftAt : null,
  };
}

/** Time order, and stored order within a timestamp (a stable sort keeps it). */
function stableByTime(transitions: readonly TransitionRecord[]): readonly TransitionRecord[] {
  let sorted = true;
  for (let i = 1; i < transitions.length && sorted; i++) sorted = transitions[i - 1].at <= transitions[i].at;
  return sorted ? transitions : [...transitions].sort((a, b) => a.at - b.at);
}

/** The state in force at `at`: the last point at or before it (null before registration). */
export function stateAt(points: readonly StatePoint[], at: number): StatePoint | null {
  let lo = 0;
  let hi = points.length - 1;
  let found: StatePoint | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].at <= at) {
      found = points[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
