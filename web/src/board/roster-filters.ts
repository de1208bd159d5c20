import type { NavigatorAttendeeView, WorkshopSummaryView } from '$server/contract/views';
import type { MessageKey } from '../i18n/messages';

/** A chip above the roster: who it keeps, and the words on it. */
export type RosterFilter =
  | { kind: 'all' }
  | { kind: 'hand' }
  | { kind: 'stuck' }
  | { kind: 'unreachable' }
  | { kind: 'never_connected' }
  | { kind: 'failing'; stepId: string }
  | { kind: 'done' };

export interface FilterChip {
  filter: RosterFilter;
  /** Tells the chips apart (a keyed each). */
  id: string;
  /** The words on it, with the count (`count`) and, for a failing step, its number (`step`). */
  label: MessageKey;
  count: number;
  step?: number;
}

export interface RosterFacts {
  steps: WorkshopSummaryView['steps'];
  /** Attendees with a raised hand. */
  handsUp: ReadonlySet<string>;
}

export function neverConnected(a: NavigatorAttendeeView): boolean {
  return a.lastSeenAt === null && a.connection.state !== 'connected';
}

export function isDone(a: NavigatorAttendeeView, facts: RosterFacts): boolean {
  return a.progress.currentStepId === null && a.progress.doneCount >= facts.steps.length;
}

export function matches(filter: RosterFilter, a: NavigatorAttendeeView, facts: RosterFacts): boolean {
  switch (filter.kind) {
    case 'all':
      return true;
    case 'hand':
      return facts.handsUp.has(a.id);
    case 'stuck':
      return a.progress.stuck !== null;
    case 'unreachable':
      return a.connection.state === 'unreachable' && !neverConnected(a);
    case 'never_connected':
      return neverConnected(a);
    case 'failing':
      return a.progress.currentStepId === filter.stepId && a.progress.steps[filter.stepId] === 'failing';
    case 'done':
      return isDone(a, facts);
  }
}

export function sameFilter(a: RosterFilter, b: RosterFilter): boolean {
  return a.kind === b.kind && (a.kind !== 'failing' || (b.kind === 'failing' && a.stepId === b.stepId));
}

/** The chips with their counts, in one pass over the roster; a step's *failing* chip only while someone fails it. */
export function filterChips(attendees: readonly NavigatorAttendeeView[], facts: RosterFacts): FilterChip[] {
  let hand = 0,
    stuck = 0,
    unreachable = 0,
    never = 0,
    done = 0;
  const failing = new Map<string, number>();
  for (const a of attendees) {
    if (facts.handsUp.has(a.id)) hand++;
    if (a.progress.stuck) stuck++;
    if (neverConnected(a)) never++;
    else if (a.connection.state === 'unreachable') unreachable++;
    if (isDone(a, facts)) done++;
    const current = a.progress.currentStepId;
    if (current && a.progress.steps[current] === 'failing') failing.set(current, (failing.get(current) ?? 0) + 1);
  }
  return [
    { filter: { kind: 'all' }, id: 'all', label: 'board.chips.all', count: attendees.length },
    { filter: { kind: 'hand' }, id: 'hand', label: 'board.chips.hand', count: hand },
    { filter: { kind: 'stuck' }, id: 'stuck', label: 'board.chips.stuck', count: stuck },
    { filter: { kind: 'unreachable' }, id: 'unreachable', label: 'board.chips.unreachable', count: unreachable },
    { filter: { kind: 'never_connected' }, id: 'never_connected', label: 'board.chips.neverConnected', count: never },
    ...facts.steps.flatMap((step, index): FilterChip[] => {
      const count = failing.get(step.id) ?? 0;
      return count > 0
        ? [{ filter: { kind: 'failing', stepId: step.id }, id: `failing:${step.id}`, label: 'board.chips.failing', count, step: index + 1 }]
        : [];
    }),
    { filter: { kind: 'done' }, id: 'done', label: 'board.chips.done', count: done },
  ];
}

/**
 * Who needs the navigator first: a raised hand (longest waiting first), then stuck, unreachable, failing,
 * then the furthest behind. Higher is more urgent.
 */
export function troubleScore(a: NavigatorAttendeeView, facts: RosterFacts, stepIndex: ReadonlyMap<string, number>): number {
  const current = a.progress.currentStepId;
  const behind = current === null ? facts.steps.length : (stepIndex.get(current) ?? 0);
  const failing = current && a.progress.steps[current] === 'failing' ? 1 : 0;
  return (facts.handsUp.has(a.id) ? 100_000 : 0) + (a.progress.stuck ? 10_000 : 0) + (a.connection.state === 'unreachable' ? 1000 : 0) + failing * 100 - behind;
}
