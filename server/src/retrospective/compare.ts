import type { RetrospectiveView, RunComparisonView } from '../contract/retrospective';
import { round } from './statistics';

/** Less than this change in stuck minutes per attendee is noise. */
const SAME_WITHIN_MINUTES = 0.5;

/**
 * Two runs of one workshop side by side: per-step medians (steps matched by id, so an updated file's new or
 * removed steps show on one side only) and stuck checks that got better or worse. Stuck minutes are divided
 * by the attendees who reached the check's step, so runs of different sizes compare.
 */
export function compareRuns(a: RetrospectiveView, b: RetrospectiveView): RunComparisonView {
  const stepIds = union(
    a.steps.map((s) => s.id),
    b.steps.map((s) => s.id),
  );
  const steps = stepIds.map((id) => {
    const left = a.steps.find((s) => s.id === id) ?? null;
    const right = b.steps.find((s) => s.id === id) ?? null;
    const finishedShare = (s: typeof left) => (s && s.reached > 0 ? round(s.finished / s.reached, 2) : null);
    return {
      id,
      title: (right ?? left)!.title,
      plannedMinutes: { a: left?.plannedMinutes ?? null, b: right?.plannedMinutes ?? null },
      medianMinutes: { a: left?.medianMinutes ?? null, b: right?.medianMinutes ?? null },
      p90Minutes: { a: left?.p90Minutes ?? null, b: right?.p90Minutes ?? null },
      finishedShare: { a: finishedShare(left), b: finishedShare(right) },
    };
  });

  const perAttendee = (retro: RetrospectiveView, checkId: string): number | null => {
    const check = retro.stuckChecks.find((c) => c.checkId === checkId);
    if (!check) return null;
    const reached = retro.steps.find((s) => s.id === check.stepId)?.reached ?? 0;
    return reached > 0 ? round(check.minutes / reached, 2) : null;
  };
  const checkIds = union(
    a.stuckChecks.map((c) => c.checkId),
    b.stuckChecks.map((c) => c.checkId),
  );
  const checks = checkIds.map((checkId) => {
    const any = (b.stuckChecks.find((c) => c.checkId === checkId) ?? a.stuckChecks.find((c) => c.checkId === checkId))!;
    const left = perAttendee(a, checkId);
    const right = perAttendee(b, checkId);
    // A check absent from one run's stuck list was never stuck there: 0, if anyone reached its step in that run.
    const reached = (retro: RetrospectiveView) => retro.steps.find((s) => s.id === any.stepId)?.reached ?? null;
    const valueA = left ?? (reached(a) ? 0 : null);
    const valueB = right ?? (reached(b) ? 0 : null);
    let verdict: RunComparisonView['checks'][number]['verdict'];
    if (reached(a) === null) verdict = 'new';
    else if (reached(b) === null) verdict = 'gone';
    else if (valueA === null || valueB === null) verdict = 'no data';
    else if (Math.abs(valueB - valueA) < SAME_WITHIN_MINUTES) verdict = 'same';
    else verdict = valueB < valueA ? 'better' : 'worse';
    return { checkId, title: any.title, stepTitle: any.stepTitle, minutesPerAttendee: { a: valueA, b: valueB }, verdict };
  });
  const change = (c: (typeof checks)[number]) => Math.abs((c.minutesPerAttendee.b ?? 0) - (c.minutesPerAttendee.a ?? 0));
  return { a: a.run, b: b.run, steps, checks: checks.sort((x, y) => change(y) - change(x)) };
}

function union(first: string[], second: string[]): string[] {
  return [...new Set([...first, ...second])];
}
