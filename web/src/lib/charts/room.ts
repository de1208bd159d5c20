import uPlot from 'uplot';
import type { RoomOverTimeView } from '$server/contract/retrospective';
import { FINISHED_COLOR, PLAN_COLOR, stepColor, themeColors, WAITING_COLOR } from './palette';
import { shorten } from './bars';

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
    label: room.series[k].label,
    color: colorOf(room.series[k].key, k),
    raw: room.series[k].counts,
    top: room.series[k].counts.map((c, i) => (totals[i] += c)),
  }));
  // Drawn top first so each lower band paints over the one above it.
  const drawn = [...stacked].reverse();
  const data = [room.minutes, ...drawn.map((d) => d.top), room.medianDone, room.plannedDone] as uPlot.AlignedData;

  const build = (): Omit<uPlot.Options, 'width' | 'height'> => {
    const theme = themeColors();
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
          grid: { stroke: theme.grid, width: 1 },
          label: room.clockStarted ? 'minutes on the workshop clock' : 'minutes since the first registration',
          labelSize: 18,
          values: (_u, v) => v.map((m) => fmt(m)),
          incrs: MINUTE_STEPS,
        },
        { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, label: 'attendees', labelSize: 18, size: 44 },
        { scale: 'steps', side: 1, stroke: theme.muted, grid: { show: false }, label: 'steps done', labelSize: 18, size: 44, incrs: [1, 2, 5] },
      ],
      series: [
        { label: 'minute', value: (_u, v) => (v === null ? '—' : fmt(v)) },
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
          label: 'median attendee: steps done',
          scale: 'steps',
          stroke: theme.text,
          width: 2.5,
          points: { show: false },
          paths: uPlot.paths.stepped!({ align: 1 }),
        },
        {
          label: 'plan: steps done',
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
            ctx.font = `${Math.round(10 * devicePixelRatio)}px system-ui, sans-serif`;
            const [min, max] = [u.scales.x.min ?? 0, u.scales.x.max ?? 0];
            let stepNumber = 0;
            for (const slot of roomPlan) {
              // Talks are slots too (titled "Talk — …"); steps keep the numbers the board gives them.
              const isTalk = slot.title.startsWith('Talk — ');
              if (!isTalk) stepNumber++;
              if (slot.startMinute < min || slot.startMinute > max) continue;
              const x = u.valToPos(slot.startMinute, 'x', true);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              // The step's name where its slot is wide enough, else its number.
              const room = u.valToPos(Math.min(slot.endMinute, max), 'x', true) - x - 6 * devicePixelRatio;
              const label = shorten(slot.title, Math.floor(room / (6 * devicePixelRatio)));
              ctx.fillText(label.length >= 6 ? label : isTalk ? 'Talk' : String(stepNumber), x + 3 * devicePixelRatio, u.bbox.top + 11 * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
      },
    };
  };
  const roomPlan = room.planned;
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
