import type { RetrospectiveView, RunComparisonView } from '../contract/retrospective';
import { safeMarkdown } from '../exports/export-safety';

/** The retrospective as Markdown: every figure of the page, as tables, for a colleague who was not there. */
export function retrospectiveMarkdown(retro: RetrospectiveView): string {
  const { run } = retro;
  const out: string[] = [];
  out.push(`# ${text(run.title)}: retrospective of run ${run.number}`, '');
  out.push(
    `Run ${run.number}, ${day(run.startedAt)}${run.archivedAt ? ` to ${day(run.archivedAt)}` : ' (still running)'} · workshop version ${run.version.revision} (${run.version.hash.slice(0, 8)}) · ` +
      `${retro.attendance.registered} registered, ${retro.attendance.connected} connected, ${retro.attendance.finishedAll} finished every step, ` +
      `${retro.attendance.left} left, ${retro.attendance.neverConnected} never connected · ${retro.window.minutes} minutes ` +
      `from ${retro.window.clockStarted ? 'the workshop clock’s start' : 'the first registration (the clock never started)'}.`,
    '',
  );

  out.push('## Fix first', '');
  if (retro.fixFirst.length === 0) out.push('No step cost the room time beyond its plan.', '');
  else {
    const top = retro.fixFirst[0];
    out.push(
      `**${text(top.title)}**: ${top.overPlanMinutes} attendee-minutes over plan, ${top.gaveUpOrLeft} gave up or left, ${top.hands} hands raised` +
        (top.worstCheck ? `; the check that failed longest: ${text(top.worstCheck)}.` : '.'),
      '',
    );
    out.push(
      table(
        ['Step', 'Over plan (attendee-min)', 'Stuck on checks (attendee-min)', 'Gave up or left', 'Hands', 'Worst check'],
        retro.fixFirst.map((f) => [f.title, f.overPlanMinutes, f.stuckMinutes, f.gaveUpOrLeft, f.hands, f.worstCheck ?? '—']),
      ),
    );
  }

  out.push('## Steps: planned against measured', '');
  out.push(
    table(
      ['Step', 'Planned (min)', 'Median (min)', 'p90 (min)', 'Reached', 'Finished', 'Done ahead', 'Gave up', 'Left', 'Never reached', 'Over plan'],
      retro.steps.map((s) => [
        s.title,
        s.plannedMinutes,
        s.medianMinutes,
        s.p90Minutes,
        s.reached,
        s.finished,
        s.doneAhead,
        s.gaveUp,
        s.left,
        s.neverReached,
        s.overPlan,
      ]),
    ),
  );
  out.push('### Time to complete, per step', '');
  for (const s of retro.steps) {
    out.push(`**${text(s.title)}** (planned ${s.plannedMinutes} min): ` + histogramText(s.histogram.binMinutes, s.histogram.counts), '');
  }

  out.push('## Where people got stuck', '');
  if (retro.stuckChecks.length === 0) out.push('No check failed while its step was someone’s current step.', '');
  else
    out.push(
      table(
        ['Check', 'Step', 'Attendee-minutes', 'Attendees', 'Most common reasons', 'Shown to them'],
        retro.stuckChecks.map((c) => [
          c.title,
          c.stepTitle,
          c.minutes,
          c.attendees,
          c.reasons.map((r) => `${r.reason} (${r.attendees})`).join('; '),
          [c.failure, firstLine(c.hint)].filter(Boolean).join(' — hint: '),
        ]),
      ),
    );

  out.push('## Unreachable VMs', '');
  out.push(
    `${retro.unreachable.totalMinutes} attendee-minutes unreachable` +
      (Object.keys(retro.unreachable.byReason).length
        ? `: ${Object.entries(retro.unreachable.byReason)
            .map(([reason, minutes]) => `${reason} ${minutes}`)
            .join(', ')}.`
        : '.'),
    '',
  );
  if (retro.unreachable.attendees.length > 0)
    out.push(
      table(
        ['Attendee', 'Minutes', 'Why', 'Times', 'Note'],
        retro.unreachable.attendees.map((a) => [
          a.name,
          a.minutes,
          Object.entries(a.byReason)
            .map(([reason, minutes]) => `${reason} ${minutes}`)
            .join(', '),
          a.episodes,
          a.neverConnected ? 'never connected' : a.leftAt ? `left at ${time(a.leftAt)}` : '',
        ]),
      ),
    );

  out.push('## Hands raised', '');
  out.push(
    table(
      ['Step', 'Raised', 'On my way', 'Median wait (min)', 'p90 wait (min)', 'Longest wait (min)', 'Never answered'],
      retro.help.perStep.map((h) => [h.title, h.raised, h.acknowledged, h.medianWaitMinutes, h.p90WaitMinutes, h.maxWaitMinutes, h.unanswered]),
    ),
  );

  out.push('## The room over time', '');
  out.push(`Attendees on each step, every ${roomEvery(retro)} minutes from the zero; the plan is the step the schedule says the room should be on.`, '');
  out.push(roomTable(retro));

  const d = retro.discussion;
  out.push('## Discussion', '');
  if (d.prompt) out.push(`> ${text(d.prompt)}`, '');
  out.push(
    `Planned ${d.plannedMinutes} min, used ${d.usedMinutes ?? '—'} min; presentations planned ${d.presentationPlannedMinutes} min each; ${d.notPresented} of ${d.groups.length} groups never presented.`,
    '',
  );
  for (const group of d.groups) {
    const state = group.presented ? `presented, ${group.presentationMinutes ?? '—'} min` : group.skipped ? 'skipped' : 'did not present';
    out.push(`### ${group.position + 1}. ${text(group.name)} (${state})`, '');
    out.push(`Members: ${group.members.map(text).join(', ') || '(none)'}`, '');
    for (const note of group.notes) out.push(`- ${text(note.text).replace(/\n/g, '\n  ')} (${text(note.author)})`);
    if (group.notes.length) out.push('');
  }
  out.push(`_Generated by Navigator at ${retro.generatedAt}._`, '');
  return out.join('\n');
}

/** Two runs side by side, as Markdown. */
export function comparisonMarkdown(comparison: RunComparisonView): string {
  const { a, b } = comparison;
  const out = [`# ${text(b.title)}: run ${a.number} against run ${b.number}`, ''];
  out.push(
    table(
      ['Step', `Planned ${a.number} / ${b.number}`, `Median ${a.number}`, `Median ${b.number}`, `p90 ${a.number}`, `p90 ${b.number}`, 'Finished share'],
      comparison.steps.map((s) => [
        s.title,
        `${s.plannedMinutes.a ?? '—'} / ${s.plannedMinutes.b ?? '—'}`,
        s.medianMinutes.a,
        s.medianMinutes.b,
        s.p90Minutes.a,
        s.p90Minutes.b,
        `${s.finishedShare.a ?? '—'} → ${s.finishedShare.b ?? '—'}`,
      ]),
    ),
  );
  out.push('## Stuck checks (attendee-minutes per attendee who reached the step)', '');
  out.push(
    table(
      ['Check', 'Step', `Run ${a.number}`, `Run ${b.number}`, 'Verdict'],
      comparison.checks.map((c) => [c.title, c.stepTitle, c.minutesPerAttendee.a, c.minutesPerAttendee.b, c.verdict]),
    ),
  );
  return out.join('\n');
}

function roomEvery(retro: RetrospectiveView): number {
  return Math.max(1, Math.ceil(retro.window.minutes / 24 / 5) * 5);
}

function roomTable(retro: RetrospectiveView): string {
  const room = retro.room;
  const every = roomEvery(retro);
  const rows: (string | number)[][] = [];
  let next = 0;
  for (const [i, minute] of room.minutes.entries()) {
    const last = i === room.minutes.length - 1;
    if (minute + 1e-9 < next && !last) continue;
    next = minute + every;
    const planned = room.planned.find((p) => minute >= p.startMinute && minute < p.endMinute)?.title ?? (room.planned.length ? 'finished' : '—');
    rows.push([Math.round(minute * 10) / 10, planned, ...room.series.map((s) => s.counts[i]), room.unreachable[i]]);
  }
  return table(['Minute', 'Plan says', ...room.series.map((s) => s.label), 'Unreachable'], rows);
}

function histogramText(bin: number, counts: number[]): string {
  if (counts.every((c) => c === 0)) return 'nobody finished it in order.';
  return (
    counts
      .map((count, i) => (count ? `${fmt(i * bin)}${i === counts.length - 1 ? '+' : `–${fmt((i + 1) * bin)}`} min: ${count}` : null))
      .filter(Boolean)
      .join(', ') + '.'
  );
}

function table(header: string[], rows: (string | number | null)[][]): string {
  const cell = (value: string | number | null) => (value === null ? '—' : text(String(value)).replace(/\|/g, '\\|').replace(/\n/g, ' '));
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
  ].join('\n');
}

/** Text from attendees and files: no raw HTML gets through a Markdown renderer. */
function text(value: string): string {
  return safeMarkdown(value);
}

function firstLine(value: string): string {
  return (
    value
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? ''
  );
}

function fmt(minutes: number): string {
  return String(Math.round(minutes * 100) / 100);
}

function day(isoTime: string): string {
  return isoTime.replace('T', ' ').slice(0, 16) + ' UTC';
}

function time(isoTime: string): string {
  return isoTime.slice(11, 16) + ' UTC';
}
