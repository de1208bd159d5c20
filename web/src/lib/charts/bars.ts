import uPlot from 'uplot';
import { canvasFont, themeColors } from './palette';

export interface BarSeries {
  label: string;
  values: (number | null)[];
  color: string;
}

export interface BarChartSpec {
  categories: string[];
  series: BarSeries[];
  /** Stacked: each category's series on top of each other (the funnel); else side by side. */
  stacked?: boolean;
  yLabel: string;
  /** Per category, a value drawn as a dashed line across its group (the plan). */
  marker?: { label: string; values: (number | null)[]; color: string };
  /** How a value is written on its bar. */
  format?: (value: number) => string;
}

/**
 * Bars with uPlot: grouped bars are laid out on a numeric x axis (one slot per bar, a gap between
 * categories) so each series keeps its own colour and legend entry; every bar carries its number.
 */
export function barChart(spec: BarChartSpec): { build: (width: number) => Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData } {
  const groups = spec.stacked ? 1 : spec.series.length;
  // Side by side: a slot per bar and an empty one between categories. One bar per category needs no gap slot.
  const slot = groups === 1 ? 1 : groups + 1;
  const n = spec.categories.length;
  const xs = Array.from({ length: n * slot }, (_, i) => i);
  const at = (category: number, member: number) => category * slot + member;
  const format = spec.format ?? ((v: number) => String(Math.round(v * 10) / 10));

  // Stacked bars are drawn tallest (the running total) first, each later series over the earlier ones.
  const drawn: { label: string; color: string; raw: (number | null)[]; shown: (number | null)[]; member: number }[] = [];
  if (spec.stacked) {
    const totals = spec.categories.map(() => 0);
    const cumulative = spec.series.map((s) =>
      s.values.map((v, i) => {
        totals[i] += v ?? 0;
        return totals[i];
      }),
    );
    for (let k = spec.series.length - 1; k >= 0; k--)
      drawn.push({ label: spec.series[k].label, color: spec.series[k].color, raw: spec.series[k].values, shown: cumulative[k], member: 0 });
  } else spec.series.forEach((s, k) => drawn.push({ label: s.label, color: s.color, raw: s.values, shown: s.values, member: k }));

  const columns = drawn.map((d) => {
    const column: (number | null)[] = xs.map(() => null);
    d.shown.forEach((v, i) => (column[at(i, d.member)] = v));
    return column;
  });
  const rawAt = (seriesIndex: number, x: number) => {
    const d = drawn[seriesIndex - 1];
    if (!d || x % slot !== d.member) return null;
    return d.raw[Math.floor(x / slot)] ?? null;
  };
  const centre = (category: number) => category * slot + (groups - 1) / 2;
  const yMax = Math.max(1, ...columns.flat().map((v) => v ?? 0), ...(spec.marker?.values.map((v) => v ?? 0) ?? [])) * 1.15;

  const build = (width: number): Omit<uPlot.Options, 'width' | 'height'> => {
    const theme = themeColors();
    // Labels as long as a category's width allows; turned when even that is short.
    const perCategory = (width - 110) / Math.max(1, n);
    const crowded = perCategory < 70;
    const chars = crowded ? 12 : Math.max(6, Math.floor(perCategory / 7));
    return {
      legend: { show: drawn.length > 1 || !!spec.marker, live: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.6, (n - 1) * slot + groups - 0.4] }, y: { range: [0, yMax] } },
      axes: [
        {
          stroke: theme.muted,
          font: canvasFont(12),
          grid: { show: false },
          ticks: { show: false },
          splits: () => spec.categories.map((_, i) => centre(i)),
          values: (_u, splits) => splits.map((x) => shorten(spec.categories[Math.round((x - (groups - 1) / 2) / slot)] ?? '', chars)),
          rotate: crowded ? -30 : 0,
          size: crowded ? 70 : 40,
        },
        {
          stroke: theme.muted,
          font: canvasFont(12),
          labelFont: canvasFont(12, 'bold'),
          grid: { stroke: theme.grid, width: 1 },
          label: spec.yLabel,
          labelSize: 18,
          size: 50,
        },
      ],
      series: [
        {},
        ...drawn.map((d) => ({
          label: d.label,
          stroke: d.color,
          fill: d.color,
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars!({ size: [groups === 1 ? 0.7 : 0.92, 80], align: 0 }),
        })),
        // The marker's legend entry; the dashed lines themselves are drawn below.
        ...(spec.marker ? [{ label: spec.marker.label, stroke: spec.marker.color, dash: [6, 4], width: 2, points: { show: false }, paths: () => null }] : []),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.font = canvasFont(Math.round(11 * devicePixelRatio));
            ctx.textAlign = 'center';
            ctx.fillStyle = theme.text;
            for (let s = 1; s < u.series.length; s++) {
              const column = u.data[s];
              for (let x = 0; x < column.length; x++) {
                const raw = rawAt(s, x);
                const top = column[x];
                if (raw === null || top === null || top === undefined || raw === 0) continue;
                const cx = u.valToPos(x, 'x', true);
                if (spec.stacked) {
                  const bottom = top - raw;
                  const cy = (u.valToPos(top, 'y', true) + u.valToPos(bottom, 'y', true)) / 2;
                  if (u.valToPos(bottom, 'y', true) - u.valToPos(top, 'y', true) < 12 * devicePixelRatio) continue;
                  ctx.fillStyle = '#ffffff';
                  ctx.fillText(format(raw), cx, cy + 4 * devicePixelRatio);
                  ctx.fillStyle = theme.text;
                } else ctx.fillText(format(raw), cx, u.valToPos(top, 'y', true) - 4 * devicePixelRatio);
              }
            }
            if (spec.marker) {
              ctx.strokeStyle = spec.marker.color;
              ctx.fillStyle = spec.marker.color;
              ctx.lineWidth = 2 * devicePixelRatio;
              ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
              ctx.textAlign = 'left';
              spec.marker.values.forEach((value, i) => {
                if (value === null) return;
                const y = u.valToPos(value, 'y', true);
                const left = u.valToPos(i * slot - 0.5, 'x', true);
                const right = u.valToPos(i * slot + groups - 0.5, 'x', true);
                ctx.beginPath();
                ctx.moveTo(left, y);
                ctx.lineTo(right, y);
                ctx.stroke();
              });
            }
            ctx.restore();
          },
        ],
      },
    };
  };
  const markerColumn = spec.marker ? [xs.map(() => null)] : [];
  return { build, data: [xs, ...columns, ...markerColumn] as uPlot.AlignedData };
}

/** Characters drawn about twice as wide as a Latin letter: CJK ideographs, kana, Hangul, full-width forms. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

const width = (c: string) => (WIDE.test(c) ? 2 : 1);

/** How wide a label is, in Latin letters (a Japanese character counts as two). */
export function labelWidth(text: string): number {
  return [...text].reduce((sum, c) => sum + width(c), 0);
}

/** A label cut to `max` Latin letters' width (a Japanese character counts as two), with an ellipsis when cut. */
export function shorten(text: string, max: number): string {
  const chars = [...text];
  if (labelWidth(text) <= max) return text;
  if (max < 2) return '';
  let used = 1; // the ellipsis
  let cut = '';
  for (const c of chars) {
    if (used + width(c) > max) break;
    used += width(c);
    cut += c;
  }
  return cut + '…';
}
