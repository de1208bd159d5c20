/**
 * Stuck and pace: pure rules over plain data, imported by the server and the web app alike, so the
 * board re-evaluates them every second without waiting for a push.
 */

export interface PlannedStep {
  id: string;
  minutes: number;
}

export interface AttendeeState {
  currentStepId: string | null;
  /** When the attendee arrived at their current step (the previous step first done, or registration). */
  currentStepSince: string | null;
  doneStepIds: string[];
  connectionState: 'waiting' | 'connecting' | 'connected' | 'unreachable';
  connectionSince: string;
}

export interface StuckRules {
  /** Stuck after the step's planned minutes × this. */
  factor: number;
  /** ...or when at least this share of the room has done the step, after `graceMinutes` on it. */
  roomShare: number;
  graceMinutes: number;
  unreachableMinutes: number;
}

export const DEFAULT_STUCK_RULES: StuckRules = { factor: 1.5, roomShare: 0.6, graceMinutes: 3, unreachableMinutes: 1 };

/** Share of the room that has done each step. */
export function doneShares(steps: PlannedStep[], attendees: Pick<AttendeeState, 'doneStepIds'>[]): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const step of steps) shares[step.id] = attendees.length === 0 ? 0 : attendees.filter((a) => a.doneStepIds.includes(step.id)).length / attendees.length;
  return shares;
}

/** Why this attendee is stuck, in words for the navigator, or null. */
export function stuckReason(attendee: AttendeeState, steps: PlannedStep[], shares: Record<string, number>, rules: StuckRules, now: number): string | null {
  if (attendee.connectionState === 'unreachable') {
    const minutes = (now - Date.parse(attendee.connectionSince)) / 60_000;
    return minutes >= rules.unreachableMinutes ? `unreachable for ${Math.floor(minutes)} min` : null;
  }
  const step = steps.find((s) => s.id === attendee.currentStepId);
  if (!step || !attendee.currentStepSince) return null;
  const minutesOnStep = (now - Date.parse(attendee.currentStepSince)) / 60_000;
  if (minutesOnStep >= step.minutes * rules.factor) return `${Math.floor(minutesOnStep)} min on a ${step.minutes} min step`;
  const share = shares[step.id] ?? 0;
  if (share >= rules.roomShare && minutesOnStep >= rules.graceMinutes) return `${Math.round(share * 100)}% of the room is past this step`;
  return null;
}

export interface Pace {
  /** The step the plan says the room should be on (index into steps; steps.length when the plan is over). */
  plannedStepIndex: number;
  /** Steps done by the median attendee. */
  medianDone: number;
  /** Positive: the median attendee is ahead of the plan by this many minutes; negative: behind. */
  minutesAhead: number;
}

export function pace(elapsedMs: number, steps: PlannedStep[], doneCounts: number[]): Pace {
  const elapsed = elapsedMs / 60_000;
  const starts: number[] = [];
  let total = 0;
  for (const step of steps) {
    starts.push(total);
    total += step.minutes;
  }
  let plannedStepIndex = starts.findIndex((start, i) => elapsed >= start && elapsed < start + steps[i].minutes);
  if (plannedStepIndex < 0) plannedStepIndex = elapsed >= total ? steps.length : 0;
  const sorted = [...doneCounts].sort((a, b) => a - b);
  const medianDone = sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)];
  // The median attendee is on step `medianDone`: on pace while the clock is within that step's planned slot.
  let minutesAhead: number;
  if (medianDone >= steps.length) minutesAhead = Math.max(0, total - elapsed);
  else {
    const slotStart = starts[medianDone];
    const slotEnd = slotStart + steps[medianDone].minutes;
    minutesAhead = elapsed < slotStart ? slotStart - elapsed : elapsed > slotEnd ? slotEnd - elapsed : 0;
  }
  return { plannedStepIndex, medianDone, minutesAhead: Math.round(minutesAhead * 10) / 10 };
}
