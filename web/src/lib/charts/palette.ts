/** Colours that stay apart for colour-blind readers (Okabe–Ito, then two of Tol's), one per step in order. */
export const STEP_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#882255', '#44aa99'];
export const FINISHED_COLOR = '#15803d';
export const WAITING_COLOR = '#94a3b8';
export const PLAN_COLOR = '#b91c1c';

export function stepColor(index: number): string {
  return STEP_COLORS[index % STEP_COLORS.length];
}

/** The page's own colours for axes and text, and its font stack (with CJK fallbacks): a canvas cannot read CSS variables. */
export interface ThemeLook {
  text: string;
  muted: string;
  grid: string;
  /** The page's `--sans` stack, for text drawn on a canvas: Japanese labels get the same glyphs as the page's. */
  sans: string;
}
let theme: ThemeLook | null = null;

/** Read once per page: each read of computed style can make the browser recompute styles. */
export function themeColors(): ThemeLook {
  if (theme) return theme;
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).replace(/\s+/g, ' ').trim() || fallback;
  theme = { text: read('--text', '#15181d'), muted: read('--muted', '#5b6472'), grid: read('--border', '#d9dee6'), sans: read('--sans', 'sans-serif') };
  return theme;
}

/** A canvas font in the page's stack: `size` in CSS pixels (uPlot scales axis fonts to the screen itself). */
export function canvasFont(size: number, weight = ''): string {
  return `${weight ? weight + ' ' : ''}${size}px ${themeColors().sans}`;
}
