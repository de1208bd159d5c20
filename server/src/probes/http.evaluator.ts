import type { HttpResponse, RequestOptions } from '../ssh/ssh.types';
import type { Comparison, GrafanaCheck, HttpCheck, PromqlCheck, WorkshopDefinition } from '../workshops/workshop.schema';
import { tail, type CheckResult } from './check-result';
import { missingSample, parsePrometheusText } from './prometheus-text';

/** An HTTP request to a port on the VM's own localhost (over the VM's SSH connection in production). */
export type VmHttp = (port: number, path: string, options: RequestOptions) => Promise<HttpResponse>;

export async function evaluateHttp(checkId: string, check: HttpCheck, http: VmHttp, timeoutMs: number): Promise<CheckResult> {
  let response: HttpResponse;
  try {
    response = await http(check.port, check.path, { timeoutMs, maxBodyBytes: 4 * 1024 * 1024 });
  } catch (error) {
    return transportError(checkId, check.port, error);
  }
  const result = (status: CheckResult['status'], reason: string | null): CheckResult => ({ checkId, status, reason, output: tail(response.body) });
  if (response.status !== check.status) return result('fail', `HTTP ${response.status} from port ${check.port}, expected ${check.status}`);
  if (check.contains && !response.body.includes(check.contains)) return result('fail', `the response does not contain "${check.contains}"`);
  if (check.matches && !new RegExp(check.matches, 'm').test(response.body)) return result('fail', `the response does not match /${check.matches}/`);
  if (check.metric) {
    const missing = missingSample(parsePrometheusText(response.body, check.metric.name), check.metric);
    if (missing) return result('fail', missing);
  }
  return result('pass', null);
}

export async function evaluatePromql(checkId: string, check: PromqlCheck, workshop: WorkshopDefinition, http: VmHttp, timeoutMs: number): Promise<CheckResult> {
  const port = workshop.prometheus.port;
  let response: HttpResponse;
  try {
    response = await http(port, `/api/v1/query?query=${encodeURIComponent(check.query)}`, { timeoutMs });
  } catch (error) {
    return transportError(checkId, port, error);
  }
  const output = tail(response.body);
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    body = JSON.parse(response.body) as typeof body;
  } catch {
    return { checkId, status: 'error', reason: `malformed response from Prometheus (HTTP ${response.status})`, output };
  }
  if (body.status !== 'success')
    return { checkId, status: 'error', reason: `Prometheus refused the query: ${body.error ?? `HTTP ${response.status}`}`, output };
  const values = resultValues(body.data?.resultType, body.data?.result);
  if (values === null) return { checkId, status: 'error', reason: 'malformed response from Prometheus', output };
  if (values.length === 0) return { checkId, status: 'fail', reason: 'query returned no series', output };
  if (check.expect && !values.some((v) => compare(v, check.expect!))) {
    return { checkId, status: 'fail', reason: `value ${values.join(', ')} is not ${check.expect.op} ${check.expect.value}`, output };
  }
  return { checkId, status: 'pass', reason: null, output };
}

function resultValues(type: string | undefined, result: unknown): number[] | null {
  if (type === 'vector' && Array.isArray(result)) return result.map((r) => Number((r as { value: [number, string] }).value?.[1]));
  if (type === 'matrix' && Array.isArray(result))
    return result.flatMap((r) => ((r as { values?: [number, string][] }).values ?? []).slice(-1).map((v) => Number(v[1])));
  if (type === 'scalar' && Array.isArray(result)) return [Number(result[1])];
  return null;
}

export function compare(value: number, { op, value: expected }: Comparison): boolean {
  switch (op) {
    case '>':
      return value > expected;
    case '>=':
      return value >= expected;
    case '<':
      return value < expected;
    case '<=':
      return value <= expected;
    case '==':
      return value === expected;
    case '!=':
      return value !== expected;
  }
}

export async function evaluateGrafana(
  checkId: string,
  check: GrafanaCheck,
  workshop: WorkshopDefinition,
  http: VmHttp,
  timeoutMs: number,
): Promise<CheckResult> {
  const { port, user, password, token } = workshop.grafana;
  const headers: Record<string, string> = token
    ? { authorization: `Bearer ${token}` }
    : user
      ? { authorization: `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}` }
      : {};
  try {
    const dashboard = await http(port, `/api/dashboards/uid/${encodeURIComponent(check.dashboard)}`, { timeoutMs, headers });
    if (dashboard.status === 404) return { checkId, status: 'fail', reason: `dashboard ${check.dashboard} not found`, output: null };
    if (dashboard.status === 401 || dashboard.status === 403)
      return { checkId, status: 'error', reason: `Grafana refused Navigator's credentials (HTTP ${dashboard.status})`, output: null };
    if (dashboard.status !== 200) return { checkId, status: 'error', reason: `HTTP ${dashboard.status} from Grafana`, output: tail(dashboard.body) };
    const panel = findPanel((JSON.parse(dashboard.body) as { dashboard?: { panels?: Panel[] } }).dashboard?.panels ?? [], check.panel);
    if (!panel) return { checkId, status: 'fail', reason: `no panel "${check.panel}" on dashboard ${check.dashboard}`, output: null };
    const queries = (panel.targets ?? []).map((t) => ({ ...t, datasource: t.datasource ?? panel.datasource }));
    if (queries.length === 0) return { checkId, status: 'fail', reason: `panel "${check.panel}" has no queries`, output: null };
    const answer = await http(port, '/api/ds/query', {
      timeoutMs,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ queries, from: 'now-5m', to: 'now' }),
    });
    if (answer.status !== 200) return { checkId, status: 'error', reason: `HTTP ${answer.status} from Grafana's query API`, output: tail(answer.body) };
    const results = (JSON.parse(answer.body) as { results?: Record<string, { frames?: { data?: { values?: unknown[][] } }[] }> }).results ?? {};
    const hasData = Object.values(results).some((r) => (r.frames ?? []).some((f) => (f.data?.values ?? []).some((column) => column.length > 0)));
    return hasData
      ? { checkId, status: 'pass', reason: null, output: null }
      : { checkId, status: 'fail', reason: `panel "${check.panel}" has no data`, output: null };
  } catch (error) {
    if (error instanceof SyntaxError) return { checkId, status: 'error', reason: 'malformed response from Grafana', output: null };
    return transportError(checkId, port, error);
  }
}

interface Panel {
  id?: number;
  title?: string;
  datasource?: unknown;
  targets?: { refId?: string; datasource?: unknown; expr?: string }[];
  panels?: Panel[];
}

function findPanel(panels: Panel[], wanted: string | number): Panel | undefined {
  for (const panel of panels) {
    if (typeof wanted === 'number' ? panel.id === wanted : panel.title === wanted) return panel;
    const nested = findPanel(panel.panels ?? [], wanted);
    if (nested) return nested;
  }
  return undefined;
}

function transportError(checkId: string, port: number, error: unknown): CheckResult {
  const message = (error as Error).message ?? String(error);
  const refused = /refused|ECONNREFUSED|Connection refused|open failed/i.test(message);
  // Nothing listening is a step not done yet (fail); a timeout or broken channel means we could not tell (error).
  return refused
    ? { checkId, status: 'fail', reason: `nothing answers on port ${port}`, output: null }
    : { checkId, status: 'error', reason: `could not reach port ${port}: ${message}`, output: null };
}
