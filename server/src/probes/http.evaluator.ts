import { OutsideRefused, type OutsideChannel } from '../ssh/outside';
import { ForwardingProhibited, type HttpResponse, type RequestOptions } from '../ssh/ssh.types';
import type { Comparison, GrafanaCheck, HttpCheck, PromqlCheck, TcpCheck, WorkshopDefinition } from '../workshops/workshop.schema';
import type { CheckResult } from '../contract/checks';
import { coded, type Coded } from '../contract/i18n/coded';
import { tail } from './check-output';
import { missingSample, parsePrometheusText } from './prometheus-text';
import { ResponseTooLarge } from '../ssh/http-response.parser';

/** An HTTP request to a port on the VM's own localhost (over the VM's SSH connection in production). */
export type VmHttp = (port: number, path: string, options: RequestOptions) => Promise<HttpResponse>;

export async function evaluateHttp(checkId: string, check: HttpCheck, http: VmHttp, timeoutMs: number): Promise<CheckResult> {
  let response: HttpResponse;
  const headers: Record<string, string> = { ...check.headers };
  if (check.basicAuth) headers.authorization = `Basic ${Buffer.from(`${check.basicAuth.user}:${check.basicAuth.password}`).toString('base64')}`;
  try {
    response = await http(check.port, check.path, { timeoutMs, maxBodyBytes: 4 * 1024 * 1024, ...(Object.keys(headers).length > 0 ? { headers } : {}) });
  } catch (error) {
    return check.from === 'navigator' ? outsideError(checkId, check.port, error) : transportError(checkId, check.port, error);
  }
  const result = (status: CheckResult['status'], reason: Coded | null): CheckResult => ({ checkId, status, reason, output: tail(response.body) });
  if (response.status !== check.status)
    return result('fail', coded('check.http_status', { status: response.status, port: check.port, expected: check.status }));
  if (check.contains && !response.body.includes(check.contains)) return result('fail', coded('check.response_lacks', { text: check.contains }));
  if (check.notContains && response.body.includes(check.notContains)) return result('fail', coded('check.response_contains', { text: check.notContains }));
  if (check.matches && !new RegExp(check.matches, 'm').test(response.body)) return result('fail', coded('check.response_mismatch', { pattern: check.matches }));
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
    return { checkId, status: 'error', reason: coded('check.prometheus_malformed_status', { status: response.status }), output };
  }
  if (body.status !== 'success') {
    const error = body.error ?? null;
    const reason =
      error === null ? coded('check.prometheus_refused_status', { status: response.status }) : coded('check.prometheus_refused', { error: String(error) });
    return { checkId, status: 'error', reason, output };
  }
  const values = resultValues(body.data?.resultType, body.data?.result);
  if (values === null) return { checkId, status: 'error', reason: coded('check.prometheus_malformed'), output };
  if (check.absent) {
    return values.length === 0
      ? { checkId, status: 'pass', reason: null, output }
      : { checkId, status: 'fail', reason: coded('check.promql_present', { count: values.length, values: values.slice(0, 5).join(', ') }), output };
  }
  if (values.length === 0) return { checkId, status: 'fail', reason: coded('check.promql_no_series'), output };
  const expect = check.expect;
  if (expect) {
    const failing = values.filter((v) => !compare(v, expect));
    if (check.quantifier === 'all' ? failing.length > 0 : failing.length === values.length) {
      const shown = check.quantifier === 'all' ? failing : values;
      const compared = { values: shown.join(', '), op: expect.op, expected: expect.value };
      return {
        checkId,
        status: 'fail',
        reason:
          check.quantifier === 'all'
            ? coded('check.promql_value_all', { ...compared, failing: failing.length, total: values.length })
            : coded('check.promql_value', compared),
        output,
      };
    }
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

/**
 * Grafana checks of one VM together: each dashboard is read once and the queries of all its checked
 * panels go to Grafana in one /api/ds/query (refIds made unique per panel), instead of a dashboard read
 * and a query per panel. Each check still gets its own result.
 */
export async function evaluateGrafanaChecks(
  checks: { checkId: string; check: GrafanaCheck }[],
  workshop: WorkshopDefinition,
  http: VmHttp,
  timeoutMs: number,
): Promise<CheckResult[]> {
  const { port, user, password, token } = workshop.grafana;
  const headers: Record<string, string> = token
    ? { authorization: `Bearer ${token}` }
    : user
      ? { authorization: `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}` }
      : {};
  const byDashboard = new Map<string, { checkId: string; check: GrafanaCheck }[]>();
  for (const entry of checks) byDashboard.set(entry.check.dashboard, [...(byDashboard.get(entry.check.dashboard) ?? []), entry]);
  const results = new Map<string, CheckResult>();
  await Promise.all(
    [...byDashboard].map(async ([uid, group]) => {
      const all = (status: CheckResult['status'], reason: Coded, output: string | null = null) =>
        group.forEach(({ checkId }) => results.set(checkId, { checkId, status, reason, output }));
      try {
        const dashboard = await http(port, `/api/dashboards/uid/${encodeURIComponent(uid)}`, { timeoutMs, headers });
        if (dashboard.status === 404) return all('fail', coded('check.grafana_no_dashboard', { dashboard: uid }));
        if (dashboard.status === 401 || dashboard.status === 403) return all('error', coded('check.grafana_credentials', { status: dashboard.status }));
        if (dashboard.status !== 200) return all('error', coded('check.grafana_status', { status: dashboard.status }), tail(dashboard.body));
        const panels = (JSON.parse(dashboard.body) as { dashboard?: { panels?: Panel[] } }).dashboard?.panels ?? [];
        const queried: { checkId: string; check: GrafanaCheck; refIds: string[] }[] = [];
        const queries: Record<string, unknown>[] = [];
        for (const [index, { checkId, check }] of group.entries()) {
          const panel = findPanel(panels, check.panel);
          if (!panel) {
            results.set(checkId, { checkId, status: 'fail', reason: coded('check.grafana_no_panel', { panel: check.panel, dashboard: uid }), output: null });
            continue;
          }
          const targets = panel.targets ?? [];
          if (targets.length === 0) {
            results.set(checkId, { checkId, status: 'fail', reason: coded('check.grafana_no_queries', { panel: check.panel }), output: null });
            continue;
          }
          const refIds = targets.map((t, i) => `p${index}_${t.refId ?? String(i)}`);
          targets.forEach((t, i) => queries.push({ ...t, refId: refIds[i], datasource: t.datasource ?? panel.datasource }));
          queried.push({ checkId, check, refIds });
        }
        if (queried.length === 0) return;
        const answer = await http(port, '/api/ds/query', {
          timeoutMs,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ queries, from: 'now-5m', to: 'now' }),
        });
        // 207: some queries failed and others did not; each panel is judged by its own.
        if (answer.status !== 200 && answer.status !== 207) {
          for (const { checkId } of queried)
            results.set(checkId, {
              checkId,
              status: 'error',
              reason: coded('check.grafana_query_status', { status: answer.status }),
              output: tail(answer.body),
            });
          return;
        }
        const frames = (JSON.parse(answer.body) as { results?: Record<string, { frames?: { data?: { values?: unknown[][] } }[] }> }).results ?? {};
        for (const { checkId, check, refIds } of queried) {
          const hasData = refIds.some((refId) => (frames[refId]?.frames ?? []).some((f) => (f.data?.values ?? []).some((column) => column.length > 0)));
          results.set(
            checkId,
            hasData
              ? { checkId, status: 'pass', reason: null, output: null }
              : { checkId, status: 'fail', reason: coded('check.grafana_no_data', { panel: check.panel }), output: null },
          );
        }
      } catch (error) {
        for (const { checkId } of group) {
          if (results.has(checkId)) continue;
          results.set(
            checkId,
            error instanceof SyntaxError
              ? { checkId, status: 'error', reason: coded('check.grafana_malformed'), output: null }
              : transportError(checkId, port, error),
          );
        }
      }
    }),
  );
  return checks.map(({ checkId }) => results.get(checkId)!);
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
  // The VM's sshd forbids the forward: whatever listens there, Navigator cannot see it. A VM problem, not a step not done.
  if (error instanceof ForwardingProhibited) return { checkId, status: 'error', reason: forwardingProhibitedReason(error.port), output: null };
  // An endless or huge body: the VM answered, with more than a check may read.
  if (error instanceof ResponseTooLarge)
    return { checkId, status: 'fail', reason: coded('check.response_too_large', { kib: Math.round(error.maxBodyBytes / 1024), port }), output: null };
  const message = (error as Error).message ?? String(error);
  const refused = /refused|ECONNREFUSED|Connection refused|open failed/i.test(message);
  // Nothing listening is a step not done yet (fail); a timeout or broken channel means we could not tell (error).
  return refused
    ? { checkId, status: 'fail', reason: coded('check.port_closed', { port }), output: null }
    : { checkId, status: 'error', reason: coded('check.port_unreachable', { port, detail: message }), output: null };
}

/** A TCP connection from Navigator to the VM's address: the port is open to the outside world, or not. */
export async function evaluateTcp(checkId: string, check: TcpCheck, outside: OutsideChannel, timeoutMs: number): Promise<CheckResult> {
  try {
    await outside.connect(check.port, timeoutMs);
    return { checkId, status: 'pass', reason: null, output: null };
  } catch (error) {
    return outsideError(checkId, check.port, error);
  }
}

/**
 * From outside, refused and no answer are both the attendee's step (nothing listens, or a firewall
 * drops it); only an address Navigator may not dial is not.
 */
function outsideError(checkId: string, port: number, error: unknown): CheckResult {
  if (error instanceof OutsideRefused) return { checkId, status: 'error', reason: coded('check.outside_not_checked', { detail: error.message }), output: null };
  const message = (error as Error).message ?? String(error);
  if (/ECONNREFUSED/.test(message)) return { checkId, status: 'fail', reason: coded('check.outside_refused', { port }), output: null };
  if (/no answer|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(message))
    return { checkId, status: 'fail', reason: coded('check.outside_no_answer', { port, detail: message }), output: null };
  return { checkId, status: 'fail', reason: coded('check.outside_unreachable', { port, detail: message }), output: null };
}

export function forwardingProhibitedReason(port: number): Coded {
  return coded('check.forwarding_prohibited', { port });
}
