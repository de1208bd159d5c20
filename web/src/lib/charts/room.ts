import uPlot from 'uplot';
import type { RoomOverTimeView } from '$server/contract/retrospective';
import type { LocalizedText } from '$server/contract/i18n/locales';
import { localized, t } from '../../i18n/i18n.svelte';
import { canvasFont, FINISHED_COLOR, PLAN_COLOR, stepColor, themeColors, WAITING_COLOR } from './palette';
import { labelWidth, shorten } from './bars';

/** How the view marks a talk in the plan: its title starts with this. */
const TALK_PREFIX = 'Talk — ';

/** A series of the room in the reader's language: a step's title, or finished / not connected yet. */
export function roomSeriesLabel(series: { key: string; label: LocalizedText }): string {
  if (series.key === 'finished') return t('retro.finished');
  if (series.key === 'not-connected') return t('retro.notConnected');
  return localized(series.label);
}

/** A slot of the plan in the reader's language: a step's title, or a talk's. */
export function planSlotTitle(title: LocalizedText): string {
  const text = localized(title);
  return text.startsWith(TALK_PREFIX) ? t('retro.talk', { title: text.slice(TALK_PREFIX.length) }) : text;
}

/**
 * The room over time: attendees per current step as stacked areas along the clock, the plan's step
 * boundaries as dashed lines, and on a second axis the steps done by the median attendee against the plan.
 */
export function roomChart(room: RoomOverTimeView): { build: (width: number) => Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData } {
  const steps = room.series.length - 2;
  const colorOf = (key: string, index: number) => (key === 'finished' ? FINISHED_COLOR : key === 'not-connected' ? WAITING_COLOR : stepColor(index));
  // Bottom of the stack: the furthest along (finished), then the last step … the first, then not connected yet.
  const order = [steps, ...Array.from({ length: steps }, (_, i) => steps - 1 - i), steps + 1];
  const totals = room.minutes.map(() => 0);
  const stacked = order.map((k) => ({
    key: room.series[k].key,
    label: roomSeriesLabel(room.series[k]),
    color: colorOf(room.series[k].key, k),
    raw: room.series[k].counts,
    top: room.series[k].counts.map((c, i) => (totals[i] += c)),
  }));
  // Drawn top first so each lower band paints over the one above it.
  const drawn = [...stacked].reverse();
  const data = [room.minutes, ...drawn.map((d) => d.top), room.medianDone, room.plannedDone] as uPlot.AlignedData;

  // Every text in the reader's language, read here (not when the chart is drawn) so a page that derives the chart follows a switch.
  const words = {
    xLabel: room.clockStarted ? t('retro.chart.clockMinutes') : t('retro.chart.registrationMinutes'),
    attendees: t('retro.chart.attendees'),
    stepsDone: t('retro.chart.stepsDone'),
    minute: t('retro.chart.minute'),
    medianDone: t('retro.chart.medianDone'),
    planDone: t('retro.chart.planDone'),
    talk: t('retro.talkShort'),
  };
  const roomPlan = room.planned.map((slot) => ({ ...slot, isTalk: localized(slot.title).startsWith(TALK_PREFIX), label: planSlotTitle(slot.title) }));

  const build = (): Omit<uPlot.Options, 'width' | 'height'> => {
    const theme = themeColors();
    const font = canvasFont(12);
    const labelFont = canvasFont(12, 'bold');
    return {
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: {
        x: { time: false, range: (_u, _min, max) => [0, Math.max(max, 5)] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
        steps: { range: [0, steps + 0.5] },
      },
      axes: [
        {
          stroke: theme.muted,
          font,
          labelFont,
          grid: { stroke: theme.grid, width: 1 },
          label: words.xLabel,
          labelSize: 18,
          values: (_u, v) => v.map((m) => fmt(m)),
          incrs: MINUTE_STEPS,
        },
        { stroke: theme.muted, font, labelFont, grid: { stroke: theme.grid, width: 1 }, label: words.attendees, labelSize: 18, size: 44 },
        {
          scale: 'steps',
          side: 1,
          stroke: theme.muted,
          font,
          labelFont,
          grid: { show: false },
          label: words.stepsDone,
          labelSize: 18,
          size: 44,
          incrs: [1, 2, 5],
        },
      ],
      series: [
        { label: words.minute, value: (_u, v) => (v === null ? '—' : fmt(v)) },
        ...drawn.map((d) => ({
          label: d.label,
          stroke: d.color,
          fill: d.color + 'cc',
          width: 1,
          points: { show: false },
          paths: uPlot.paths.stepped!({ align: 1 }),
          value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) => (idx === null ? '—' : String(d.raw[idx])),
        })),
        {
          label: words.medianDone,
          scale: 'steps',
          stroke: theme.text,
          width: 2.5,
          points: { show: false },
          paths: uPlot.paths.stepped!({ align: 1 }),
        },
        {
          label: words.planDone,
          scale: 'steps',
          stroke: PLAN_COLOR,
          width: 2,
          dash: [6, 4],
          points: { show: false },
          paths: uPlot.paths.stepped!({ align: 1 }),
        },
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = PLAN_COLOR;
            ctx.fillStyle = PLAN_COLOR;
            ctx.lineWidth = 1 * devicePixelRatio;
            ctx.setLineDash([3 * devicePixelRatio, 3 * devicePixelRatio]);
            ctx.font = canvasFont(Math.round(10 * devicePixelRatio));
            const [min, max] = [u.scales.x.min ?? 0, u.scales.x.max ?? 0];
            let stepNumber = 0;
            for (const slot of roomPlan) {
              // Talks are slots too; steps keep the numbers the board gives them.
              if (!slot.isTalk) stepNumber++;
              if (slot.startMinute < min || slot.startMinute > max) continue;
              const x = u.valToPos(slot.startMinute, 'x', true);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              // The step's name where its slot is wide enough, else its number.
              const room = u.valToPos(Math.min(slot.endMinute, max), 'x', true) - x - 6 * devicePixelRatio;
              const label = shorten(slot.label, Math.floor(room / (6 * devicePixelRatio)));
              ctx.fillText(
                labelWidth(label) >= 6 ? label : slot.isTalk ? words.talk : String(stepNumber),
                x + 3 * devicePixelRatio,
                u.bbox.top + 11 * devicePixelRatio,
              );
            }
            ctx.restore();
          },
        ],
      },
    };
  };
  return { build, data };
}

/** Axis steps in minutes: from 15 seconds (the first minutes of a live run) to two hours. */
const MINUTE_STEPS = [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120];

/** Whole minutes as they are, parts of a minute as m:ss. */
function fmt(minutes: number): string {
  if (Number.isInteger(minutes)) return String(minutes);
  const seconds = Math.round(minutes * 60);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
