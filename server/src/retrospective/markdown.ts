import { DEFAULT_LOCALE, pickText, type Locale, type LocalizedText } from '../contract/i18n/locales';
import type { RetrospectiveView, RunComparisonView } from '../contract/retrospective';
import { safeMarkdown } from '../exports/export-safety';
import { ExportWriter, membersLine, noteLine } from '../exports/export-writer';

/** The retrospective as Markdown: every figure of the page, as tables, for a colleague who was not there. */
export function retrospectiveMarkdown(retro: RetrospectiveView, locale: Locale = DEFAULT_LOCALE): string {
  const w = new ExportWriter(locale);
  const { run } = retro;
  const out: string[] = [];
  out.push(`# ${w.t('exports.retro.title', { title: w.text(run.title), number: run.number })}`, '');
  out.push(
    w.t('exports.retro.summary', {
      number: run.number,
      archived: run.archivedAt ? 'yes' : 'no',
      start: w.day(run.startedAt),
      end: run.archivedAt ? w.day(run.archivedAt) : '',
      revision: run.version.revision,
      hash: run.version.hash.slice(0, 8),
      registered: retro.attendance.registered,
      connected: retro.attendance.connected,
      finishedAll: retro.attendance.finishedAll,
      left: retro.attendance.left,
      neverConnected: retro.attendance.neverConnected,
      minutes: retro.window.minutes,
      clockStarted: retro.window.clockStarted ? 'yes' : 'no',
    }),
    '',
  );

  out.push(`## ${w.t('exports.retro.fixFirst')}`, '');
  if (retro.fixFirst.length === 0) out.push(w.t('exports.retro.fixFirstNothing'), '');
  else {
    const top = retro.fixFirst[0];
    out.push(
      w.t('exports.retro.fixFirstVerdict', {
        title: w.text(top.title),
        overPlan: top.overPlanMinutes,
        gaveUpOrLeft: top.gaveUpOrLeft,
        hands: top.hands,
        hasWorst: top.worstCheck ? 'yes' : 'no',
        worst: top.worstCheck ? w.text(top.worstCheck) : '',
      }),
      '',
    );
    out.push(
      table(
        w,
        [
          w.t('exports.retro.column.step'),
          w.t('exports.retro.column.overPlanAttendeeMinutes'),
          w.t('exports.retro.column.stuckAttendeeMinutes'),
          w.t('exports.retro.column.gaveUpOrLeft'),
          w.t('exports.retro.column.hands'),
          w.t('exports.retro.column.worstCheck'),
        ],
        retro.fixFirst.map((f) => [
          pickText(f.title, locale),
          f.overPlanMinutes,
          f.stuckMinutes,
          f.gaveUpOrLeft,
          f.hands,
          f.worstCheck === null ? null : pickText(f.worstCheck, locale),
        ]),
      ),
    );
  }

  out.push(`## ${w.t('exports.retro.steps')}`, '');
  out.push(
    table(
      w,
      [
        w.t('exports.retro.column.step'),
        w.t('exports.retro.column.plannedMinutes'),
        w.t('exports.retro.column.medianMinutes'),
        w.t('exports.retro.column.p90Minutes'),
        w.t('exports.retro.column.reached'),
        w.t('exports.retro.column.finished'),
        w.t('exports.retro.column.doneAhead'),
        w.t('exports.retro.column.gaveUp'),
        w.t('exports.retro.column.left'),
        w.t('exports.retro.column.neverReached'),
        w.t('exports.retro.column.overPlan'),
      ],
      retro.steps.map((s) => [
        pickText(s.title, locale),
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
  out.push(`### ${w.t('exports.retro.histograms')}`, '');
  for (const s of retro.steps) out.push(histogramText(w, w.text(s.title), s.plannedMinutes, s.histogram.binMinutes, s.histogram.counts), '');

  out.push(`## ${w.t('exports.retro.stuck')}`, '');
  if (retro.stuckChecks.length === 0) out.push(w.t('exports.retro.stuckNothing'), '');
  else
    out.push(
      table(
        w,
        [
          w.t('exports.retro.column.check'),
          w.t('exports.retro.column.step'),
          w.t('exports.retro.column.attendeeMinutes'),
          w.t('exports.retro.column.attendees'),
          w.t('exports.retro.column.reasons'),
          w.t('exports.retro.column.shown'),
        ],
        retro.stuckChecks.map((c) => {
          const failure = c.failure === null ? '' : pickText(c.failure, locale);
          const hint = firstLine(pickText(c.hint, locale));
          return [
            pickText(c.title, locale),
            pickText(c.stepTitle, locale),
            c.minutes,
            c.attendees,
            w.list(c.reasons.map((r) => w.t('exports.retro.reasonCount', { reason: r.reason, attendees: r.attendees }))),
            failure && hint ? w.t('exports.retro.failureWithHint', { failure, hint }) : failure || hint,
          ];
        }),
      ),
    );

  out.push(`## ${w.t('exports.retro.unreachable')}`, '');
  const reasons = Object.entries(retro.unreachable.byReason);
  out.push(
    reasons.length
      ? w.t('exports.retro.unreachableByReason', { minutes: retro.unreachable.totalMinutes, reasons: reasonMinutes(w, retro.unreachable.byReason) })
      : w.t('exports.retro.unreachableTotal', { minutes: retro.unreachable.totalMinutes }),
    '',
  );
  if (retro.unreachable.attendees.length > 0)
    out.push(
      table(
        w,
        [
          w.t('exports.retro.column.attendee'),
          w.t('exports.retro.column.minutes'),
          w.t('exports.retro.column.why'),
          w.t('exports.retro.column.times'),
          w.t('exports.retro.column.note'),
        ],
        retro.unreachable.attendees.map((a) => [
          a.name,
          a.minutes,
          reasonMinutes(w, a.byReason),
          a.episodes,
          a.neverConnected ? w.t('exports.retro.neverConnected') : a.leftAt ? w.t('exports.retro.leftAt', { time: w.time(a.leftAt) }) : '',
        ]),
      ),
    );

  out.push(`## ${w.t('exports.retro.hands')}`, '');
  out.push(
    table(
      w,
      [
        w.t('exports.retro.column.step'),
        w.t('exports.retro.column.raised'),
        w.t('exports.retro.column.onMyWay'),
        w.t('exports.retro.column.medianWait'),
        w.t('exports.retro.column.p90Wait'),
        w.t('exports.retro.column.longestWait'),
        w.t('exports.retro.column.neverAnswered'),
      ],
      retro.help.perStep.map((h) => [
        helpStepTitle(w, h.stepId, h.title),
        h.raised,
        h.acknowledged,
        h.medianWaitMinutes,
        h.p90WaitMinutes,
        h.maxWaitMinutes,
        h.unanswered,
      ]),
    ),
  );

  if (retro.help.answerers.length > 0) {
    out.push(`### ${w.t('exports.retro.answerers')}`, '');
    out.push(
      table(
        w,
        [w.t('exports.retro.column.answerer'), w.t('exports.retro.column.answered'), w.t('exports.retro.column.medianWait')],
        retro.help.answerers.map((a) => [a.name, a.answered, a.medianWaitMinutes]),
      ),
    );
  }

  out.push(`## ${w.t('exports.retro.room')}`, '');
  out.push(w.t('exports.retro.roomIntro', { every: roomEvery(retro) }), '');
  out.push(roomTable(w, retro));

  const d = retro.discussion;
  out.push(`## ${w.t('exports.retro.discussion')}`, '');
  if (d.prompt) out.push(`> ${w.text(d.prompt)}`, '');
  out.push(
    w.t('exports.retro.discussionSummary', {
      planned: d.plannedMinutes,
      used: d.usedMinutes ?? w.t('exports.none'),
      presentation: d.presentationPlannedMinutes,
      notPresented: d.notPresented,
      groups: d.groups.length,
    }),
    '',
  );
  for (const group of d.groups) {
    const state = group.presented ? 'presented' : group.skipped ? 'skipped' : 'none';
    out.push(
      `### ${w.t('exports.retro.group', { position: group.position + 1, name: w.text(group.name), state, minutes: group.presentationMinutes ?? w.t('exports.none') })}`,
      '',
    );
    out.push(membersLine(w, group.members), '');
    for (const note of group.notes) out.push(noteLine(w, note.text, note.author));
    if (group.notes.length) out.push('');
  }
  out.push(w.t('exports.retro.generated', { at: w.day(retro.generatedAt) }), '');
  return out.join('\n');
}

/** Two runs side by side, as Markdown. */
export function comparisonMarkdown(comparison: RunComparisonView, locale: Locale = DEFAULT_LOCALE): string {
  const w = new ExportWriter(locale);
  const { a, b } = comparison;
  const out = [`# ${w.t('exports.compare.title', { title: w.text(b.title), a: a.number, b: b.number })}`, ''];
  const either = (value: { a: number | null; b: number | null }) => `${w.number(value.a)} / ${w.number(value.b)}`;
  out.push(
    table(
      w,
      [
        w.t('exports.retro.column.step'),
        w.t('exports.compare.column.planned', { a: a.number, b: b.number }),
        w.t('exports.compare.column.median', { run: a.number }),
        w.t('exports.compare.column.median', { run: b.number }),
        w.t('exports.compare.column.p90', { run: a.number }),
        w.t('exports.compare.column.p90', { run: b.number }),
        w.t('exports.compare.column.finishedShare'),
      ],
      comparison.steps.map((s) => [
        pickText(s.title, locale),
        either(s.plannedMinutes),
        s.medianMinutes.a,
        s.medianMinutes.b,
        s.p90Minutes.a,
        s.p90Minutes.b,
        `${w.number(s.finishedShare.a)} → ${w.number(s.finishedShare.b)}`,
      ]),
    ),
  );
  out.push(`## ${w.t('exports.compare.stuck')}`, '');
  out.push(
    table(
      w,
      [
        w.t('exports.retro.column.check'),
        w.t('exports.retro.column.step'),
        w.t('exports.compare.column.run', { run: a.number }),
        w.t('exports.compare.column.run', { run: b.number }),
        w.t('exports.compare.column.verdict'),
      ],
      comparison.checks.map((c) => [
        pickText(c.title, locale),
        pickText(c.stepTitle, locale),
        c.minutesPerAttendee.a,
        c.minutesPerAttendee.b,
        w.t('exports.compare.verdict', { verdict: c.verdict }),
      ]),
    ),
  );
  return out.join('\n');
}

/** Steps keep their titles; the rows before the first and after the last step are named in the file's language. */
function helpStepTitle(w: ExportWriter, stepId: string, title: LocalizedText): string {
  if (stepId === 'before') return w.t('exports.retro.beforeConnecting');
  if (stepId === 'finished') return w.t('exports.retro.afterFinishing');
  return pickText(title, w.locale);
}

function reasonMinutes(w: ExportWriter, byReason: Record<string, number>): string {
  return w.list(Object.entries(byReason).map(([reason, minutes]) => w.t('exports.retro.reasonMinutes', { reason, minutes })));
}

function roomEvery(retro: RetrospectiveView): number {
  return Math.max(1, Math.ceil(retro.window.minutes / 24 / 5) * 5);
}

/** A slot of the plan: a step's title, or a talk's (its title starts "Talk — " in the view). */
function planTitle(w: ExportWriter, title: LocalizedText): string {
  const text = pickText(title, w.locale);
  return text.startsWith('Talk — ') ? w.t('exports.retro.talk', { title: text.slice('Talk — '.length) }) : text;
}

function seriesLabel(w: ExportWriter, series: { key: string; label: LocalizedText }): string {
  if (series.key === 'finished') return w.t('exports.retro.finished');
  if (series.key === 'not-connected') return w.t('exports.retro.notConnected');
  return pickText(series.label, w.locale);
}

function roomTable(w: ExportWriter, retro: RetrospectiveView): string {
  const room = retro.room;
  const every = roomEvery(retro);
  const rows: (string | number)[][] = [];
  let next = 0;
  for (const [i, minute] of room.minutes.entries()) {
    const last = i === room.minutes.length - 1;
    if (minute + 1e-9 < next && !last) continue;
    next = minute + every;
    const slot = room.planned.find((p) => minute >= p.startMinute && minute < p.endMinute);
    const planned = slot ? planTitle(w, slot.title) : room.planned.length ? w.t('exports.retro.planFinished') : w.t('exports.none');
    rows.push([Math.round(minute * 10) / 10, planned, ...room.series.map((s) => s.counts[i]), room.unreachable[i]]);
  }
  return table(
    w,
    [
      w.t('exports.retro.column.minute'),
      w.t('exports.retro.column.planSays'),
      ...room.series.map((s) => seriesLabel(w, s)),
      w.t('exports.retro.column.unreachable'),
    ],
    rows,
  );
}

function histogramText(w: ExportWriter, title: string, planned: number, bin: number, counts: number[]): string {
  if (counts.every((c) => c === 0)) return w.t('exports.retro.histogramNobody', { title, planned });
  const bins = counts
    .map((count, i) =>
      !count
        ? null
        : i === counts.length - 1
          ? w.t('exports.retro.histogramLastBin', { from: i * bin, count })
          : w.t('exports.retro.histogramBin', { from: i * bin, to: (i + 1) * bin, count }),
    )
    .filter((bin): bin is string => bin !== null);
  return w.t('exports.retro.histogram', { title, planned, bins: w.list(bins) });
}

/** A Markdown table; every cell made safe (no HTML, no column breaks), numbers written the file's way. */
function table(w: ExportWriter, header: string[], rows: (string | number | null)[][]): string {
  const cell = (value: string | number | null) =>
    (typeof value === 'number' || value === null ? w.number(value) : safeMarkdown(value)).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
  ].join('\n');
}

function firstLine(value: string): string {
  return (
    value
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? ''
  );
}
