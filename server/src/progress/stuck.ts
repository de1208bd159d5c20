import type { ConnectionState } from '../contract/checks';
import type { StuckView } from '../contract/views';
import type { PlannedStep } from './pace';

/** What stuck is judged on, per attendee. */
export interface AttendeeProgressState {
  currentStepId: string | null;
  /** When the attendee arrived at their current step (the previous step first done, or registration). */
  currentStepSince: string | null;
  doneStepIds: readonly string[];
  connectionState: ConnectionState;
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
export function doneShares(steps: readonly PlannedStep[], attendees: readonly Pick<AttendeeProgressState, 'doneStepIds'>[]): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const step of steps) shares[step.id] = attendees.length === 0 ? 0 : attendees.filter((a) => a.doneStepIds.includes(step.id)).length / attendees.length;
  return shares;
}

/** Why the navigator should look at this attendee now, or null. */
export function stuckOf(
  attendee: AttendeeProgressState,
  steps: readonly PlannedStep[],
  shares: Readonly<Record<string, number>>,
  rules: StuckRules,
  now: number,
): StuckView | null {
  if (attendee.connectionState === 'unreachable') {
    const minutes = (now - Date.parse(attendee.connectionSince)) / 60_000;
    return minutes >= rules.unreachableMinutes ? { kind: 'unreachable', since: attendee.connectionSince } : null;
  }
  const step = steps.find((s) => s.id === attendee.currentStepId);
  if (!step || !attendee.currentStepSince) return null;
  const minutesOnStep = (now - Date.parse(attendee.currentStepSince)) / 60_000;
  if (minutesOnStep >= step.minutes * rules.factor) return { kind: 'overdue', since: attendee.currentStepSince, plannedMinutes: step.minutes };
  const share = shares[step.id] ?? 0;
  if (share >= rules.roomShare && minutesOnStep >= rules.graceMinutes) return { kind: 'room_moved_on', since: attendee.currentStepSince, share };
  return null;
}
