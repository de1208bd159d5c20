import { humanTextIssue, normalizeHumanText } from '../common/human-text';
import type { Coded } from '../contract/i18n/coded';
import { refusal } from '../contract/i18n/english';

/** The discussion's pure rules: forming groups, timers, presentation order, note text. */

export interface GroupingMember {
  id: string;
  /** Steps done: "mixed progress" spreads those ahead across groups. */
  doneCount: number;
}

export type GroupingRequest = { by: 'count'; count: number; strategy: 'random' | 'mixed' } | { by: 'size'; size: number; strategy: 'random' | 'mixed' };

/** Members into groups, as even as possible. `random` is a shuffle; `mixed` deals people out by progress. */
export function formGroups(members: GroupingMember[], request: GroupingRequest, random: () => number = Math.random): string[][] {
  if (members.length === 0) return [];
  const count = request.by === 'count' ? Math.min(request.count, members.length) : Math.max(1, Math.round(members.length / request.size));
  const ordered = shuffle(members, random);
  // Dealing round-robin from a list sorted by progress puts the furthest ahead in different groups.
  if (request.strategy === 'mixed') ordered.sort((a, b) => b.doneCount - a.doneCount);
  const groups: string[][] = Array.from({ length: count }, () => []);
  ordered.forEach((member, index) => groups[index % count].push(member.id));
  return groups;
}

export function shuffle<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

export interface TimerState {
  durationMs: number;
  elapsedMs: number;
  startedAt: Date | null;
}

export function remainingMs(timer: TimerState, now: Date): number {
  const running = timer.startedAt ? now.getTime() - timer.startedAt.getTime() : 0;
  return Math.max(0, timer.durationMs - timer.elapsedMs - running);
}

export function startTimer(timer: TimerState, now: Date): TimerState {
  return timer.startedAt ? timer : { ...timer, startedAt: now };
}

export function pauseTimer(timer: TimerState, now: Date): TimerState {
  if (!timer.startedAt) return timer;
  return { ...timer, elapsedMs: timer.elapsedMs + (now.getTime() - timer.startedAt.getTime()), startedAt: null };
}

export function extendTimer(timer: TimerState, byMs: number): TimerState {
  return { ...timer, durationMs: Math.max(0, timer.durationMs + byMs) };
}

export interface PresentationGroup {
  id: string;
  position: number;
  presented: boolean;
  skipped: boolean;
}

/** Who presents after `currentId`: the next group in order that has neither presented nor been skipped. */
export function nextPresenter(groups: PresentationGroup[], currentId: string | null): string | null {
  const ordered = [...groups].sort((a, b) => a.position - b.position);
  const start = currentId ? ordered.findIndex((g) => g.id === currentId) + 1 : 0;
  return (
    ordered.slice(start).find((g) => !g.presented && !g.skipped && g.id !== currentId)?.id ??
    ordered.find((g) => !g.presented && !g.skipped && g.id !== currentId)?.id ??
    null
  );
}

export const NOTE_MAX_CHARS = 1000;
export const NOTES_PER_GROUP = 200;
export const GROUP_NAME_MAX_CHARS = 60;

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

/** The note text to store, or why it is refused. Text is stored as typed and always shown as text. */
export function validateNoteText(text: unknown): { ok: true; text: string } | { ok: false; error: string; coded: Coded } {
  if (typeof text !== 'string') return refusal('note.not_text');
  const trimmed = text.replace(/\r\n/g, '\n').trim();
  if (trimmed.length === 0) return refusal('note.empty');
  if (trimmed.length > NOTE_MAX_CHARS) return refusal('note.too_long', { max: NOTE_MAX_CHARS, length: trimmed.length });
  if (CONTROL.test(trimmed)) return refusal('note.control');
  const problem = humanTextIssue(trimmed, { multiline: true });
  if (problem) return refusal('form.text_problem', { subject: 'note', problem });
  return { ok: true, text: normalizeHumanText(trimmed) };
}
