import type { WorkshopDefinition } from '../workshops/workshop.schema';
import { looksLikeFormula } from './export-safety';

export interface StoredTransition {
  checkId: string | null;
  toStatus: string;
  at: Date;
}

export interface StepHistoryRow {
  stepId: string;
  firstDoneAt: Date | null;
  /** From when the attendee could start it (the previous step first done, or `startedAt`) to first done. */
  minutesSpent: number | null;
}

/** Replays one attendee's transitions in order: a step is first done the moment all its checks pass together. */
export function stepHistory(workshop: WorkshopDefinition, transitions: StoredTransition[], startedAt: Date): StepHistoryRow[] {
  const status = new Map<string, string>();
  const firstDone = new Map<string, Date>();
  const ordered = [...transitions].filter((t) => t.checkId !== null).sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const transition of ordered) {
    status.set(transition.checkId!, transition.toStatus);
    for (const step of workshop.steps) {
      if (!firstDone.has(step.id) && step.checks.every((check) => status.get(check.id) === 'pass')) firstDone.set(step.id, transition.at);
    }
  }
  let since = startedAt;
  return workshop.steps.map((step) => {
    const done = firstDone.get(step.id) ?? null;
    const row: StepHistoryRow = { stepId: step.id, firstDoneAt: done, minutesSpent: done ? Math.max(0, (done.getTime() - since.getTime()) / 60_000) : null };
    if (done && done > since) since = done;
    return row;
  });
}

/** RFC 4180 field; text that starts like a formula (=, +, - or @, their Unicode look-alikes too) gets an apostrophe so spreadsheets do not run it. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && looksLikeFormula(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
