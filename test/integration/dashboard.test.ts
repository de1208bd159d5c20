import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { startPrometheusWithConfig, type TestPrometheus } from '../support/prometheus';
import { createTestUser, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * Navigator's own Grafana dashboard and Prometheus scrape snippet: the snippet passes promtool, a real
 * Prometheus configured from it scrapes a real server probing a real sshd, and every expression of
 * every panel returns data there. (Grafana itself cannot be installed here; the panels' expressions
 * are what it would send to Prometheus.)
 */
const DASHBOARD = path.join(REPO_ROOT, 'docs/grafana/navigator.json');
const SCRAPE = path.join(REPO_ROOT, 'docs/prometheus/navigator.yml');

interface Panel {
  title: string;
  targets: { expr: string; refId: string }[];
}
const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query?: string | { query?: string } }[] };
};
const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr })));
/** What Grafana substitutes before it queries: the job variable and the rate interval. */
const resolved = (expr: string) => expr.replaceAll('$job', 'navigator').replaceAll('$__rate_interval', '1m');
/** The variables' queries too: the job picker's `label_values(…)` needs its metric as much as a panel does. */
const variableQueries = dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : (v.query?.query ?? '')));
const metricNames = [
  ...new Set([...expressions.map(({ expr }) => expr), ...variableQueries].flatMap((text) => text.match(/\bnavigator_[a-z0-9_]+/g) ?? [])),
].sort();

let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let prometheus: TestPrometheus | undefined;
let board: Socket;

beforeAll(async () => {
  sshd = await startSshd();
  user = createTestUser('navtdashboard');
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const registered = (await navigator.request('POST', new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/'), {
    body: { displayName: 'Dash', host: '127.0.0.1', port: sshd.port, sshUser: user.name },
  })) as { body: { attendee: { authorizedKeysLine: string } } };
  sshd.setAuthorizedKeys(user.name, [registered.body.attendee.authorizedKeysLine]);
  board = io(navigator.url, {
    auth: { view: 'board' },
    extraHeaders: { cookie: `navigator_navigator=${navigator.navigatorToken}` },
    transports: ['websocket'],
  });
});

afterAll(async () => {
  board?.close();
  await prometheus?.stop();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

async function scrape(): Promise<string> {
  return (await fetch(`${navigator.url}/metrics`)).text();
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (last !== undefined) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("Navigator's Grafana dashboard", () => {
  it('is a dashboard with a Prometheus data source variable, and covers what an operator watches', () => {
    expect(dashboard).toMatchObject({ uid: 'navigator-self', title: 'Navigator' });
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job']);
    for (const metric of [
      'navigator_sweep_duration_seconds_bucket',
      'navigator_check_results_total',
      'navigator_ssh_connections',
      'navigator_ssh_handshakes_in_flight',
      'navigator_event_loop_delay_seconds_bucket',
      'navigator_socket_clients',
      'navigator_db_write_duration_seconds_bucket',
      'navigator_process_start_time_seconds',
    ]) {
      expect(metricNames, metric).toContain(metric);
    }
  });

  it('queries only metrics that exist on /metrics of a running server', async () => {
    // A probe has run (check results), the board is counted, a write was timed.
    const text = await until('a probe and a timed write', async () => {
      const body = await scrape();
      return /^navigator_check_results_total\{/m.test(body) && /^navigator_socket_clients\{view="board"\} 1$/m.test(body) ? body : undefined;
    });
    const families = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]));
    const missing = metricNames.filter((name) => !families.has(name) && !families.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(missing).toEqual([]);
    expect(text).toMatch(/^navigator_db_write_duration_seconds_count\{statement="insert"\} [1-9]/m);
    expect(text).toMatch(/^navigator_event_loop_delay_seconds_count [1-9]/m);
  });

  it('the scrape snippet passes promtool, and every panel expression returns data from a Prometheus using it', async () => {
    execFileSync('promtool', ['check', 'config', SCRAPE], { stdio: 'pipe' });
    const config = YAML.parse(fs.readFileSync(SCRAPE, 'utf8')) as {
      global: Record<string, string>;
      scrape_configs: { job_name: string; scrape_interval: string; static_configs: { targets: string[] }[] }[];
    };
    const job = config.scrape_configs.find((c) => c.job_name === 'navigator')!;
    config.global.scrape_interval = job.scrape_interval = '1s';
    job.static_configs[0].targets = [new URL(navigator.url).host];
    const local = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-scrape-')), 'prometheus.yml');
    fs.writeFileSync(local, YAML.stringify(config));
    execFileSync('promtool', ['check', 'config', local], { stdio: 'pipe' });
    prometheus = await startPrometheusWithConfig(YAML.stringify(config));

    const empty = await until('every panel expression to return data', async () => {
      const results = await Promise.all(expressions.map(async (e) => ({ ...e, answer: await prometheus!.query(resolved(e.expr)) })));
      const failed = results.filter((r) => r.answer.status !== 'success');
      if (failed.length > 0) throw new Error(`Prometheus refused: ${failed.map((f) => `${f.panel}: ${f.expr}`).join('; ')}`);
      const withoutData = results.filter((r) => r.answer.data.result.length === 0);
      return withoutData.length === 0 ? [] : undefined;
    });
    expect(empty).toEqual([]);
  });
});
