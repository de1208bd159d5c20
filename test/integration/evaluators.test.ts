import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishReason } from '../../server/src/contract/i18n/english';
import { evaluateGrafanaChecks, evaluateHttp, evaluatePromql, type VmHttp } from '../../server/src/probes/http.evaluator';
import { SshConnection } from '../../server/src/ssh/ssh.connection';
import { SshKeyStore } from '../../server/src/ssh/ssh.keys';
import { workshopSchema, type GrafanaCheck, type WorkshopDefinition } from '../../server/src/workshops/workshop.schema';
import { startPrometheus, type TestPrometheus } from '../support/prometheus';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';
import { EbpfExporterStandIn } from '../support/standins/ebpf-exporter';
import { GrafanaStandIn } from '../support/standins/grafana';

/**
 * http, promql and grafana checks carried over a real SSH connection (forwardOut) to a real
 * Prometheus scraping a stand-in ebpf_exporter, and a stand-in Grafana answering from that Prometheus.
 */
let sshd: TestSshd;
let user: TestUser;
let connection: SshConnection;
let prometheus: TestPrometheus;
let grafana: GrafanaStandIn;
const exporter = new EbpfExporterStandIn();
let workshop: WorkshopDefinition;
let http: VmHttp;

beforeAll(async () => {
  removeStaleTestUsers();
  await exporter.start();
  prometheus = await startPrometheus({ ebpf: [`127.0.0.1:${exporter.port}`] });
  grafana = new GrafanaStandIn(prometheus.url, {
    'php-ebpf': {
      title: 'PHP',
      panels: [
        { id: 1, title: 'Requests per second', targets: [{ refId: 'A', expr: 'sum(rate(ebpf_exporter_php_requests_total[30s]))' }] },
        { id: 2, title: 'Exceptions', targets: [{ refId: 'A', expr: 'ebpf_exporter_php_exceptions_total' }] },
      ],
    },
  });
  await grafana.start();
  const keys = SshKeyStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'navt-keys-')));
  sshd = await startSshd();
  user = createTestUser('navteval');
  sshd.setAuthorizedKeys(user.name, [keys.publicKeyLine]);
  ({ connection } = await SshConnection.connect(
    { id: 'vm', host: '127.0.0.1', port: sshd.port, user: user.name, pinnedFingerprint: null },
    { privateKey: keys.privateKey, readyTimeoutMs: 5000, keepaliveIntervalMs: 10_000, maxSessions: 4 },
  ));
  http = (port, urlPath, options) => connection.request(port, urlPath, options);
  workshop = workshopSchema.parse({
    id: 'w',
    title: 'W',
    prometheus: { port: prometheus.port },
    grafana: { port: grafana.port, user: 'admin', password: 'navigator' },
    steps: [{ id: 's', title: 'S', minutes: 1, checks: [{ id: 'c', title: 'C', ssh: { run: 'true' } }] }],
  });
  // Wait for the first scrapes.
  for (let i = 0; i < 100 && (await prometheus.query('up{job="ebpf"}')).data.result.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(async () => {
  connection?.close();
  await grafana?.stop();
  await prometheus?.stop();
  await exporter.stop();
  await sshd?.stop();
  user?.remove();
});

/** One Grafana check on its own, as the runner would ask it in a batch of one. */
const evaluateGrafana = async (checkId: string, check: GrafanaCheck, workshop: WorkshopDefinition, http: VmHttp, timeoutMs: number) =>
  (await evaluateGrafanaChecks([{ checkId, check }], workshop, http, timeoutMs))[0];

describe('http checks over forwardOut', () => {
  it('pass on a metric that is present, fail with the reason when absent or too low, fail when nothing listens', async () => {
    const check = (metric: { name: string; labels?: Record<string, string>; min?: number }) =>
      evaluateHttp('c', { port: exporter.port, path: '/metrics', status: 200, metric }, http, 3000);
    expect(await check({ name: 'ebpf_exporter_enabled_configs', labels: { name: 'php_requests' } })).toMatchObject({ status: 'pass' });
    expect(await check({ name: 'ebpf_exporter_enabled_configs', labels: { name: 'mysql' } })).toMatchObject({
      status: 'fail',
      reason: { code: 'check.metric_no_sample', values: { metric: 'ebpf_exporter_enabled_configs', labels: 'name="mysql"' } },
    });
    expect(await check({ name: 'ebpf_exporter_php_requests_total', min: 1 })).toMatchObject({
      status: 'fail',
      reason: { code: 'check.metric_value', values: { metric: 'ebpf_exporter_php_requests_total', value: 0, range: 'at_least', min: 1 } },
    });
    expect(await evaluateHttp('c', { port: 9, path: '/', status: 200 }, http, 3000)).toMatchObject({
      status: 'fail',
      reason: { code: 'check.port_closed', values: { port: 9 } },
    });
    expect(await evaluateHttp('c', { port: exporter.port, path: '/nope', status: 200 }, http, 3000)).toMatchObject({
      status: 'fail',
      reason: { code: 'check.http_status', values: { status: 404, port: exporter.port, expected: 200 } },
    });
  });

  it('an exporter answering garbage fails the metric check, it does not pass', async () => {
    exporter.garbage = true;
    try {
      expect(
        await evaluateHttp('c', { port: exporter.port, path: '/metrics', status: 200, metric: { name: 'ebpf_exporter_enabled_configs' } }, http, 3000),
      ).toMatchObject({
        status: 'fail',
        reason: { code: 'check.metric_missing', values: { metric: 'ebpf_exporter_enabled_configs' } },
      });
    } finally {
      exporter.garbage = false;
    }
  });
});

describe('promql checks against a real Prometheus', () => {
  it('non-empty passes, empty fails, comparisons hold, a bad query is an error', async () => {
    expect(await evaluatePromql('c', { query: 'up{job="ebpf"}' }, workshop, http, 3000)).toMatchObject({ status: 'pass' });
    expect(await evaluatePromql('c', { query: 'up{job="nope"}' }, workshop, http, 3000)).toMatchObject({
      status: 'fail',
      reason: { code: 'check.promql_no_series' },
    });
    expect(await evaluatePromql('c', { query: 'up{job="ebpf"}', expect: { op: '==', value: 1 } }, workshop, http, 3000)).toMatchObject({ status: 'pass' });
    expect(await evaluatePromql('c', { query: 'up{job="ebpf"}', expect: { op: '>', value: 1 } }, workshop, http, 3000)).toMatchObject({
      status: 'fail',
      reason: { code: 'check.promql_value', values: { values: '1', op: '>', expected: 1 } },
    });
    const bad = await evaluatePromql('c', { query: 'sum(' }, workshop, http, 3000);
    expect(bad.status).toBe('error');
    expect(bad.reason).toMatchObject({ code: 'check.prometheus_refused', values: { error: expect.any(String) } });
    expect(englishReason(bad.reason)).toMatch(/^Prometheus refused the query: /);
  });
});

describe('grafana checks against a stand-in Grafana backed by the real Prometheus', () => {
  it('a panel with data passes; no data, missing dashboard or panel fail; wrong credentials are an error', async () => {
    exporter.requests = 0;
    expect(await evaluateGrafana('c', { dashboard: 'php-ebpf', panel: 'Exceptions' }, workshop, http, 3000)).toMatchObject({
      status: 'fail',
      reason: { code: 'check.grafana_no_data', values: { panel: 'Exceptions' } },
    });
    expect(await evaluateGrafana('c', { dashboard: 'nope', panel: 1 }, workshop, http, 3000)).toMatchObject({
      status: 'fail',
      reason: { code: 'check.grafana_no_dashboard', values: { dashboard: 'nope' } },
    });
    expect(await evaluateGrafana('c', { dashboard: 'php-ebpf', panel: 'Latency' }, workshop, http, 3000)).toMatchObject({
      status: 'fail',
      reason: { code: 'check.grafana_no_panel', values: { panel: 'Latency', dashboard: 'php-ebpf' } },
    });
    const wrong = workshopSchema.parse({ ...workshop, grafana: { ...workshop.grafana, password: 'wrong' } });
    expect(await evaluateGrafana('c', { dashboard: 'php-ebpf', panel: 1 }, wrong, http, 3000)).toMatchObject({ status: 'error' });
    // Requests start flowing: once Prometheus has two scrapes with a rising counter, the panel has data.
    const rising = setInterval(() => (exporter.requests += 5), 200);
    try {
      let result = await evaluateGrafana('c', { dashboard: 'php-ebpf', panel: 'Requests per second' }, workshop, http, 3000);
      for (let i = 0; i < 60 && result.status !== 'pass'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        result = await evaluateGrafana('c', { dashboard: 'php-ebpf', panel: 'Requests per second' }, workshop, http, 3000);
      }
      expect(result).toMatchObject({ status: 'pass' });
    } finally {
      clearInterval(rising);
    }
  });
});

describe('grafana checks of one VM together', () => {
  it('read the dashboard once and ask all panels in one query, each check judged on its own panel', async () => {
    const calls: string[] = [];
    const counting: VmHttp = (port, urlPath, options) => {
      calls.push(`${options.method ?? 'GET'} ${urlPath.split('?')[0]}`);
      return http(port, urlPath, options);
    };
    exporter.requests = 0;
    exporter.exceptionsThrown = { 'Sample\\OrderNotFound': 3 };
    const results = await evaluateGrafanaChecks(
      [
        { checkId: 'exceptions', check: { dashboard: 'php-ebpf', panel: 'Exceptions' } },
        { checkId: 'missing', check: { dashboard: 'php-ebpf', panel: 'Latency' } },
        { checkId: 'other-dashboard', check: { dashboard: 'nope', panel: 1 } },
      ],
      workshop,
      counting,
      3000,
    );
    expect(results.map((r) => `${r.checkId}:${r.status}:${englishReason(r.reason)}`)).toEqual([
      // increase() over a counter Prometheus has seen once gives no point yet: the panel's own queries decide.
      expect.stringMatching(/^exceptions:(pass|fail):/),
      'missing:fail:no panel "Latency" on dashboard php-ebpf',
      'other-dashboard:fail:dashboard nope not found',
    ]);
    expect(calls.sort()).toEqual(['GET /api/dashboards/uid/nope', 'GET /api/dashboards/uid/php-ebpf', 'POST /api/ds/query']);
  });
});
