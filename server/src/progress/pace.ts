import type { LocalizedText } from '../contract/i18n/locales';
import type { PaceView } from '../contract/views';

export interface PlannedStep {
  id: string;
  /** Named by the plan line during a talk. */
  title?: LocalizedText;
  minutes: number;
  /** A talk takes clock time but is no step; an optional step takes clock time but is not counted. Default: step. */
  kind?: 'step' | 'optional' | 'talk';
}

/**
 * Where the plan says the room should be after `elapsedMs` on the workshop clock, against the median attendee.
 * `agenda` is every segment in order; `doneCounts` count the steps done that are neither talks nor optional.
 * `plannedStepIndex` indexes the steps (talks left out): during a talk, the step after it, and `plannedTalk` names the talk.
 */
export function pace(elapsedMs: number, agenda: readonly PlannedStep[], doneCounts: readonly number[]): PaceView {
  const elapsed = elapsedMs / 60_000;
  const starts: number[] = [];
  let total = 0;
  for (const item of agenda) {
    starts.push(total);
    total += item.minutes;
  }
  const stepCount = agenda.filter((item) => item.kind !== 'talk').length;
  const stepsBefore = (agendaIndex: number) => agenda.slice(0, agendaIndex).filter((item) => item.kind !== 'talk').length;
  const planned = starts.findIndex((start, i) => elapsed >= start && elapsed < start + agenda[i].minutes);
  const plannedStepIndex = planned < 0 ? (elapsed >= total ? stepCount : 0) : stepsBefore(planned);
  const plannedTalk = planned >= 0 && agenda[planned].kind === 'talk' ? (agenda[planned].title ?? agenda[planned].id) : null;

  const counted = agenda.flatMap((item, i) => (item.kind === 'talk' || item.kind === 'optional' ? [] : [i]));
  const sorted = [...doneCounts].sort((a, b) => a - b);
  const medianDone = sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)];
  // The median attendee is on counted step `medianDone`: on pace while the clock is within that step's planned slot.
  let minutesAhead: number;
  if (medianDone >= counted.length) minutesAhead = Math.max(0, total - elapsed);
  else {
    const slotStart = starts[counted[medianDone]];
    const slotEnd = slotStart + agenda[counted[medianDone]].minutes;
    minutesAhead = elapsed < slotStart ? slotStart - elapsed : elapsed > slotEnd ? slotEnd - elapsed : 0;
  }
  return { plannedStepIndex, plannedTalk, medianDone, minutesAhead: Math.round(minutesAhead * 10) / 10 };
}
