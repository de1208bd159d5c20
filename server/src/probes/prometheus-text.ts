import { coded, type Coded } from '../contract/i18n/coded';
import type { MetricMatch } from '../workshops/workshop.schema';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/g;

/**
 * Samples of the Prometheus text exposition format; lines that are not samples are skipped. Given a
 * metric name, only its lines are parsed: an exporter's page is mostly other metrics.
 */
export function parsePrometheusText(text: string, onlyName?: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (onlyName !== undefined && !(line.startsWith(onlyName) && (line.length === onlyName.length || '{ \t'.includes(line[onlyName.length])))) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1]] = label[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: parseValue(match[3]) });
  }
  return samples;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Null when a sample matches; otherwise what is missing, as a reason. */
export function missingSample(samples: Sample[], want: MetricMatch): Coded | null {
  const named = samples.filter((s) => s.name === want.name);
  const labelled = named.filter((s) => Object.entries(want.labels ?? {}).every(([k, v]) => s.labels[k] === v));
  const labels = Object.entries(want.labels ?? {})
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  const metric = want.name;
  if (want.absent) {
    if (labelled.length === 0) return null;
    const value = shown(labelled[0].value);
    return labels ? coded('check.metric_present_labels', { metric, labels, value }) : coded('check.metric_present', { metric, value });
  }
  if (named.length === 0) return coded('check.metric_missing', { metric });
  if (labelled.length === 0) return coded('check.metric_no_sample', { metric, labels });
  const { min, max } = want;
  if (min === undefined && max === undefined) return null;
  const within = (s: Sample) => (min === undefined || s.value >= min) && (max === undefined || s.value <= max);
  const all = want.quantifier === 'all';
  if (all ? labelled.every(within) : labelled.some(within)) return null;
  const range = {
    range: min !== undefined && max !== undefined ? 'between' : min !== undefined ? 'at_least' : 'at_most',
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
  };
  const values = labelled.map((s) => s.value);
  if (all) return coded('check.metric_value_all', { metric, value: shown(labelled.find((s) => !within(s))!.value), ...range });
  return coded('check.metric_value', { metric, value: shown(min !== undefined ? Math.max(...values) : Math.min(...values)), ...range });
}

/** A sample's value as a reason carries it: Infinity and NaN as text, which JSON would turn into null. */
function shown(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}
