import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishReason } from '../../server/src/contract/i18n/english';
import { connectToVm, formatTable, tryWorkshop, type TriedCheck } from '../../server/src/cli/try';
import { SshKeyStore } from '../../server/src/ssh/ssh.keys';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import { Fleet } from '../fleet/fleet';
import { REPO_ROOT } from '../support/navigator';

/**
 * checks/observability-101.yaml exercised for real: three fleet VMs (real sshd, each its own network namespace),
 * one half-way (a target down, no rules, a failed collector), one with every step done (Debian's real prometheus-node-exporter, a real Prometheus with the workshop's scrape
 * job, recording rule and a firing alerting rule, the Grafana STAND-IN on port 3000 of every address, and
 * passwordless sudo) and one fresh (nothing running, sudo wants a password). Every check runs as `navigator try`
 * runs them, outside checks from this process to the VM's address.
 */
const canRun = process.getuid?.() === 0 && fs.existsSync('/usr/bin/prometheus-node-exporter') && fs.existsSync('/usr/bin/sudo');
const PASSWORD = 'obs-101-pass';
const SUDOERS = '/etc/sudoers.d/navf-observability-101';
const DONE = 0;
const FRESH = 1;
/** Half-way: the exporter runs (with a textfile saying a collector failed), Prometheus scrapes it and a second target that is down, no rules yet. */
const PARTIAL = 2;

let fleet: Fleet;
let keys: SshKeyStore;
const children: ChildProcess[] = [];

function inVm(index: number, command: string, args: string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', fleet.vm(index).name, command, ...args], { stdio: ['pipe', 'pipe', 'ignore'] });
  children.push(child);
  return child;
}

/** The done VM: what an attendee has set up by the end of the workshop. */
async function setUpDoneVm(): Promise<void> {
  const vm = fleet.vm(DONE);
  const dir = path.join(vm.dir, 'observability');
  fs.mkdirSync(path.join(dir, 'textfile'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'textfile', 'hello.prom'), 'workshop_hello 1\n');
  fs.writeFileSync(
    path.join(dir, 'rules.yml'),
    [
      'groups:',
      '  - name: node',
      '    rules:',
      '      - record: instance:node_load1:avg',
      '        expr: avg by (instance) (node_load1)',
      '      - alert: NodeLoadHigh',
      // The test machine's load is whatever it is: ">= 0" fires at once, as "> 1" does under stress-ng.
      '        expr: instance:node_load1:avg >= 0',
      '        for: 0s',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${path.join(dir, 'rules.yml')}']`,
      'scrape_configs:',
      "  - job_name: node\n    static_configs: [{ targets: ['127.0.0.1:9100'] }]",
      '',
    ].join('\n'),
  );
  inVm(DONE, 'prometheus-node-exporter', ['--web.listen-address=127.0.0.1:9100', `--collector.textfile.directory=${path.join(dir, 'textfile')}`]);
  inVm(DONE, 'prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    '--web.listen-address=127.0.0.1:9090',
    '--log.level=error',
  ]);
  const dashboards = {
    'node-101': { title: 'Node 101', panels: [{ id: 1, title: 'Load average', targets: [{ refId: 'A', expr: 'instance:node_load1:avg' }] }] },
  };
  const grafana = inVm(DONE, process.execPath, [
    '--import',
    'tsx',
    path.join(REPO_ROOT, 'test/fleet/grafana-standin.ts'),
    'http://127.0.0.1:9090',
    '0.0.0.0',
    '3000',
    PASSWORD,
    JSON.stringify(dashboards),
  ]);
  await new Promise<void>((resolve, reject) => {
    grafana.once('exit', (code) => reject(new Error(`the Grafana stand-in exited with ${code}`)));
    grafana.stdout!.once('data', () => resolve());
  });
  fleet.unit(DONE, 'prometheus-node-exporter', { active: true });
  fs.writeFileSync(SUDOERS, `${vm.user} ALL=(ALL) NOPASSWD: ALL\n${fleet.vm(FRESH).user} ALL=(ALL) ALL\n`, { mode: 0o440 });
}

/** The VM of an attendee half-way through: each condition's failing side meets the real Prometheus and node_exporter. */
function setUpPartialVm(): void {
  const vm = fleet.vm(PARTIAL);
  const dir = path.join(vm.dir, 'observability');
  fs.mkdirSync(path.join(dir, 'textfile'), { recursive: true });
  // node_exporter serves a textfile's HELP text as it is: the exporter check's `notContains` must see it.
  fs.writeFileSync(path.join(dir, 'textfile', 'note.prom'), '# HELP workshop_note collector failed: demo\n# TYPE workshop_note gauge\nworkshop_note 1\n');
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      // A second node target nothing listens on: up == 0 for it.
      "  - job_name: node\n    static_configs: [{ targets: ['127.0.0.1:9100', '127.0.0.1:9109'] }]",
      '',
    ].join('\n'),
  );
  inVm(PARTIAL, 'prometheus-node-exporter', ['--web.listen-address=127.0.0.1:9100', `--collector.textfile.directory=${path.join(dir, 'textfile')}`]);
  inVm(PARTIAL, 'prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    '--web.listen-address=127.0.0.1:9090',
    '--log.level=error',
  ]);
}

async function tryVm(index: number): Promise<TriedCheck[]> {
  const vm = fleet.vm(index);
  const workshop = loadWorkshopFile(path.join(REPO_ROOT, 'checks/observability-101.yaml')).definition;
  const { connection } = await connectToVm({ user: vm.user, host: vm.address, port: 22 }, keys.privateKey);
  try {
    return await tryWorkshop(connection, { user: vm.user, host: vm.address, port: 22 }, workshop, { grafanaPassword: PASSWORD });
  } finally {
    connection.close();
  }
}

/** Each check's result, its reason in English (what `navigator try` prints). */
const byCheck = (rows: TriedCheck[]) => Object.fromEntries(rows.map((r) => [r.check, { ...r.result, reason: englishReason(r.result.reason) }]));

describe.skipIf(!canRun)('checks/observability-101.yaml against real node_exporter and Prometheus (needs root, the fleet)', () => {
  beforeAll(async () => {
    fleet = await Fleet.up({ size: 3 });
    keys = SshKeyStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-obs-keys-')));
    fleet.authorize(keys.publicKeyLine);
    await setUpDoneVm();
    setUpPartialVm();
  });

  afterAll(async () => {
    fs.rmSync(SUDOERS, { force: true });
    for (const child of children) child.kill('SIGKILL');
    await fleet?.stop();
  });

  it('every check passes on the VM with every step done (waiting for the scrapes, the rule and the alert, by result)', async () => {
    let rows: TriedCheck[];
    const deadline = Date.now() + 120_000;
    // Prometheus needs a scrape, then a rule evaluation, then the alert's: each round is one real try.
    do {
      rows = await tryVm(DONE);
    } while (rows.some((r) => r.result.status !== 'pass') && Date.now() < deadline);
    const table = formatTable(rows);
    expect(table.split('\n')[0]).toMatch(/^STEP +CHECK +STATUS +REASON +TIME$/);
    expect(rows.filter((r) => r.result.status !== 'pass').map((r) => `${r.check}: ${englishReason(r.result.reason)}`)).toEqual([]);
    expect(rows).toHaveLength(12);
  });

  it('the fresh VM: each check fails with its reason; sudo is a VM problem, not a step', async () => {
    const results = byCheck(await tryVm(FRESH));
    expect(results['exporter-running']).toMatchObject({ status: 'fail' });
    expect(results['exporter-metrics']).toMatchObject({ status: 'fail', reason: 'nothing answers on port 9100' });
    expect(results['textfile-dir'].status).toBe('error');
    expect(results['textfile-dir'].reason).toMatch(/^this check needs passwordless sudo/);
    for (const id of ['prometheus-ready', 'node-job-up', 'no-target-down', 'load-recorded', 'alert-firing'])
      expect(results[id], id).toMatchObject({ status: 'fail', reason: 'nothing answers on port 9090' });
    expect(results['grafana-load-panel']).toMatchObject({ status: 'fail', reason: 'nothing answers on port 3000' });
    expect(results['grafana-port-open']).toMatchObject({ status: 'fail', reason: 'port 3000 refuses connections from outside the VM' });
    expect(results['grafana-reachable']).toMatchObject({ status: 'fail', reason: 'port 3000 refuses connections from outside the VM' });
    expect(results['own-metric-exported']).toMatchObject({ status: 'fail', reason: 'nothing answers on port 9100' });
  });

  it('half-way: a target down, no rules, a failed collector: each condition fails on its real data, for its own reason', async () => {
    const deadline = Date.now() + 120_000;
    let results: ReturnType<typeof byCheck>;
    // Waits for Prometheus to have scraped both targets once (the job then has a sample per target): under
    // load the down target's first scrape can come before the live one's (seen: "1 of 1 are not").
    const bothScraped = (r: ReturnType<typeof byCheck>) => r['no-target-down'].status === 'fail' && /of 2 are not/.test(r['node-job-up'].reason ?? '');
    do {
      results = byCheck(await tryVm(PARTIAL));
    } while (!bothScraped(results) && Date.now() < deadline);
    console.log(
      Object.entries(results)
        .map(([id, r]) => `${id}: ${r.status} ${r.reason ?? ''}`)
        .join('\n'),
    );
    expect(results['exporter-running']).toMatchObject({ status: 'fail' });
    // The metric is there, but so is the text the check must not see.
    expect(results['exporter-metrics'].status).toBe('fail');
    expect(results['exporter-metrics'].reason).toContain('collector failed');
    expect(results['prometheus-ready']).toMatchObject({ status: 'pass' });
    // `quantifier: all`: one of the two targets is up, which is not all of them.
    expect(results['node-job-up']).toMatchObject({ status: 'fail', reason: 'value 0 is not == 1 (every series must be; 1 of 2 are not)' });
    // `absent: true`: the down target's series is there.
    expect(results['no-target-down']).toMatchObject({ status: 'fail', reason: 'query returned 1 series (0), expected none' });
    // No recording rule, no alerting rule: the queries answer, with nothing.
    expect(results['load-recorded']).toMatchObject({ status: 'fail', reason: 'query returned no series' });
    expect(results['alert-firing']).toMatchObject({ status: 'fail', reason: 'query returned no series' });
  });

  it('npx navigator try prints the table against a fleet VM', () => {
    const key = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-obs-key-')), 'key');
    fs.writeFileSync(key, keys.privateKey, { mode: 0o600 });
    const vm = fleet.vm(DONE);
    const run = spawnSync(
      process.execPath,
      ['bin/navigator.mjs', 'try', 'checks/observability-101.yaml', '--vm', `${vm.user}@${vm.address}`, '--key', key, '--value', `grafanaPassword=${PASSWORD}`],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(run.stdout).toMatch(/STEP +CHECK +STATUS +REASON +TIME/);
    expect(run.stdout).toMatch(/alert-fires +alert-firing +pass/);
    expect(run.stdout).toContain('12 of 12 checks pass');
    expect(run.status).toBe(0);
  });
});
