import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainEventBus } from '../common/domain-events';
import type { Ticker } from '../common/ticker';
import { loadConfig } from '../config/app.config';
import type { CheckResult } from '../contract/checks';
import { englishText } from '../contract/i18n/english';
import { MetricsService } from '../metrics/metrics.service';
import type { ProgressService } from '../progress/progress.service';
import { stepProgress } from '../progress/step-progress';
import type { VmChannel } from '../ssh/ssh.types';
import { workshopSchema, type WorkshopDefinition } from '../workshops/workshop.schema';
import type { AttendeeValuesService } from '../workshops/attendee-values.service';
import type { WorkshopsService } from '../workshops/workshops.service';
import { CapturedVarsStore } from './captured-vars.store';
import { ProbeMetrics } from './probe.metrics';
import { CHANGE_FOLLOW_UPS, ProbeScheduler } from './probe.scheduler';
import type { VmConnectionsService } from './vm-connections.service';

/** A VM whose kept-open shell is the local /bin/sh in a directory of its own (the integration tests use a real sshd). */
class LocalVm implements VmChannel {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-scheduler-'));
  batches = 0;
  runInShell(input: string, _doneMarker: string, timeoutMs: number, setup = '') {
    this.batches += 1;
    // A fresh sh for every run: a shell that has not seen the setup yet, every time.
    const run = spawnSync('/bin/sh', ['-s'], { input: setup + input, encoding: 'utf8', timeout: timeoutMs, cwd: this.dir });
    return Promise.resolve({ stdout: run.stdout, durationMs: 0, timedOut: run.error !== undefined, closed: false });
  }
  request(): never {
    throw new Error('this workshop has no HTTP checks');
  }
  touch(file: string): void {
    fs.writeFileSync(path.join(this.dir, file), '');
  }
}

const definition = workshopSchema.parse({
  id: 'w',
  title: 'W',
  probe: { intervalSeconds: 5 },
  steps: ['one', 'two', 'three'].map((id) => ({ id, title: id, minutes: 5, checks: [{ id, title: id, ssh: { run: `test -f ${id}` } }] })),
});

/** Progress as far as the scheduler sees it: statuses in, the current step out. */
class RecordingProgress {
  recorded: { attendeeId: string; results: CheckResult[] }[] = [];
  private statuses = new Map<string, Record<string, CheckResult['status']>>();
  constructor(private readonly definition: WorkshopDefinition) {}
  async recordResults(attendeeId: string, results: CheckResult[]) {
    this.recorded.push({ attendeeId, results });
    this.statuses.set(attendeeId, { ...this.statuses.get(attendeeId), ...Object.fromEntries(results.map((r) => [r.checkId, r.status])) });
  }
  /** Every status long settled, so only the current step is due on a sweep. */
  checksOf(attendeeId: string) {
    return new Map(Object.entries(this.statuses.get(attendeeId) ?? {}).map(([id, status]) => [id, { status, reason: null, output: null, since: new Date(0) }]));
  }
  currentStepOf(attendeeId: string) {
    return stepProgress(this.definition, this.statuses.get(attendeeId) ?? {}).currentStepId;
  }
  currentStepWith(attendeeId: string, results: CheckResult[]) {
    return stepProgress(this.definition, { ...this.statuses.get(attendeeId), ...Object.fromEntries(results.map((r) => [r.checkId, r.status])) }).currentStepId;
  }
}

class ManualTicker {
  intervals: number[] = [];
  ticks: (() => void)[] = [];
  every(ms: number, tick: () => void) {
    this.intervals.push(ms);
    this.ticks.push(tick);
    return () => undefined;
  }
  afters: (() => void)[] = [];
  after(_ms: number, fire: () => void) {
    this.afters.push(fire);
    return () => undefined;
  }
}

let vms: Map<string, LocalVm | undefined>;
let progress: RecordingProgress;
let ticker: ManualTicker;
let scheduler: ProbeScheduler;

let captured: CapturedVarsStore;
let events: DomainEventBus;

function startScheduler(workshop: WorkshopDefinition): void {
  progress = new RecordingProgress(workshop);
  ticker = new ManualTicker();
  captured = new CapturedVarsStore();
  events = new DomainEventBus();
  const connections = { watchedIds: () => [...vms.keys()], channelOf: (id: string) => vms.get(id) } as unknown as VmConnectionsService;
  const workshops = { workshop: { id: 'w', definition: workshop, joinCode: 'ABCDEF' } } as unknown as WorkshopsService;
  scheduler = new ProbeScheduler(
    loadConfig({}, '/tmp'),
    workshops,
    connections,
    progress as unknown as ProgressService,
    new ProbeMetrics(new MetricsService()),
    ticker as unknown as Ticker,
    events,
    { valuesOf: async () => ({}) } as unknown as AttendeeValuesService,
    captured,
  );
  scheduler.onApplicationBootstrap();
}

beforeEach(() => {
  vms = new Map<string, LocalVm | undefined>([
    ['ada', new LocalVm()],
    ['grace', new LocalVm()],
    ['offline', undefined],
  ]);
  startScheduler(definition);
});

describe('ProbeScheduler', () => {
  it('sweeps at the workshop interval and reports every connected VM to progress, skipping the ones without a connection', async () => {
    expect(ticker.intervals).toEqual([5000]);
    vms.get('ada')!.touch('one');
    await scheduler.sweep();
    const byVm = Object.fromEntries(progress.recorded.map((r) => [r.attendeeId, r.results.map((x) => `${x.checkId}:${x.status}`)]));
    expect(Object.keys(byVm).sort()).toEqual(['ada', 'grace']);
    expect(byVm.grace).toEqual(['one:fail', 'two:fail', 'three:fail']);
    expect(byVm.ada).toEqual(['one:pass', 'two:fail', 'three:fail']);
  });

  it('runs the next step at once when a step is finished, within the same probe', async () => {
    await scheduler.sweep();
    progress.recorded.length = 0;
    const ada = vms.get('ada')!;
    ada.touch('one');
    ada.touch('two');
    const batchesBefore = ada.batches;
    // Only the current step is due on a sweep right after the first; finishing it brings in the next one.
    await scheduler.sweep();
    const adaResults = progress.recorded.find((r) => r.attendeeId === 'ada')!.results.map((x) => `${x.checkId}:${x.status}`);
    expect(adaResults).toEqual(['one:pass', 'two:pass', 'three:fail']);
    expect(ada.batches - batchesBefore).toBe(3);
    const graceResults = progress.recorded.find((r) => r.attendeeId === 'grace')!.results.map((x) => `${x.checkId}:${x.status}`);
    expect(graceResults).toEqual(['one:fail']);
  });

  it("limits an attendee's own re-probes and says why", async () => {
    expect(await scheduler.probeForAttendee('ada')).toEqual({ ok: true });
    expect(await scheduler.probeForAttendee('ada')).toEqual({ ok: true });
    expect(await scheduler.probeForAttendee('ada')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/ask again in \d+ s/),
      coded: { code: 'limit.probe', values: { seconds: expect.any(Number) } },
    });
    expect(await scheduler.probeForAttendee('offline')).toEqual({
      ok: false,
      error: 'Navigator is not connected to your VM yet.',
      coded: { code: 'probe.not_connected' },
    });
  });

  it('probes a VM whose watch saw a change at once, then again shortly after a few times while its step stays', async () => {
    await scheduler.sweep();
    progress.recorded.length = 0;
    const probesOfAda = () => progress.recorded.filter((r) => r.attendeeId === 'ada').length;
    scheduler.probeChanged('ada');
    await vi.waitFor(() => expect(probesOfAda()).toBe(1));
    // The step is still `one` (a service that just started may answer a moment later): asked again, a few times at most.
    for (let followUp = 1; followUp <= CHANGE_FOLLOW_UPS; followUp++) {
      await vi.waitFor(() => expect(ticker.afters).toHaveLength(followUp));
      ticker.afters[followUp - 1]();
      await vi.waitFor(() => expect(probesOfAda()).toBe(followUp + 1));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(ticker.afters).toHaveLength(CHANGE_FOLLOW_UPS);

    // Once the step moves, no follow-up.
    ticker.afters.length = 0;
    vms.get('ada')!.touch('one');
    scheduler.probeChanged('ada');
    await vi.waitFor(() => expect(probesOfAda()).toBe(CHANGE_FOLLOW_UPS + 2));
    await new Promise((r) => setTimeout(r, 50));
    expect(ticker.afters).toEqual([]);
  });
});

describe('ProbeScheduler with captured vars', () => {
  // The VM's PHP is 8.3; the workshop's default is 8.1, whose directory also exists: a check run with the default would pass.
  const withCapture = workshopSchema.parse({
    version: 2,
    id: 'w',
    title: 'W',
    probe: { intervalSeconds: 5 },
    vars: { php: '8.1' },
    steps: [
      {
        id: 'version',
        title: 'PHP',
        minutes: 5,
        checks: [{ id: 'finds', title: 'PHP version', ssh: { run: 'cat php-version', capture: { var: 'php', pattern: '^PHP (\\d+\\.\\d+)' } } }],
      },
      {
        id: 'module',
        title: 'Module',
        minutes: 5,
        checks: [{ id: 'uses', title: 'The module is built', sticky: true, ssh: { run: 'test -f "php${vars.php}/built"' } }],
      },
    ],
  });
  const statuses = () =>
    Object.fromEntries(progress.recorded.at(-1)!.results.map((r) => [r.checkId, `${r.status}${r.reason ? `: ${englishText(r.reason)}` : ''}`]));

  beforeEach(() => {
    vms = new Map([['ada', new LocalVm()]]);
    startScheduler(withCapture);
    const ada = vms.get('ada')!;
    fs.mkdirSync(path.join(ada.dir, 'php8.1'));
    ada.touch('php8.1/built');
  });

  it('never runs a check with the default while the var has not been found on the VM: it waits, and cannot stick', async () => {
    await scheduler.sweep();
    expect(statuses()).toEqual({
      finds: expect.stringMatching(/^fail: exit code 1/),
      uses: 'fail: not run yet: it uses what "PHP version" finds on your VM, which has not passed yet',
    });
    expect(progress.recorded.at(-1)!.results.find((r) => r.checkId === 'uses')?.reason).toEqual({
      code: 'check.awaiting_capture',
      values: { checks: '"PHP version"' },
    });
    expect(captured.valuesOf('ada')).toEqual({});
  });

  it('finds the var before the check using it runs, in the same sweep, and tells the attendee page', async () => {
    const ada = vms.get('ada')!;
    fs.writeFileSync(path.join(ada.dir, 'php-version'), 'PHP 8.3.6 (cli)\n');
    const pushed: string[] = [];
    events.on('progress.changed', ({ attendeeId }) => pushed.push(attendeeId));
    await scheduler.sweep();
    expect(statuses()).toEqual({ finds: 'pass', uses: expect.stringMatching(/^fail: exit code 1 /) });
    expect(captured.valuesOf('ada')).toEqual({ php: '8.3' });
    expect(pushed).toEqual(['ada']);
    fs.mkdirSync(path.join(ada.dir, 'php8.3'));
    ada.touch('php8.3/built');
    await scheduler.sweep();
    expect(statuses()).toMatchObject({ uses: 'pass' });
  });

  it('finds the var again on a new connection before a check using it runs, even when the finding check is not due', async () => {
    const ada = vms.get('ada')!;
    fs.writeFileSync(path.join(ada.dir, 'php-version'), 'PHP 8.3.6 (cli)\n');
    await scheduler.sweep();
    await scheduler.sweep();
    // Only the current step's check is due now.
    expect(statuses()).toEqual({ uses: expect.stringMatching(/^fail: exit code 1/) });
    // The VM is rebuilt with PHP 8.2 and reconnected: a new channel, nothing found on it yet.
    const rebuilt = new LocalVm();
    fs.writeFileSync(path.join(rebuilt.dir, 'php-version'), 'PHP 8.2.1 (cli)\n');
    fs.mkdirSync(path.join(rebuilt.dir, 'php8.2'));
    rebuilt.touch('php8.2/built');
    vms.set('ada', rebuilt);
    await scheduler.sweep();
    expect(statuses()).toEqual({ finds: 'pass', uses: 'pass' });
    expect(captured.valuesOf('ada')).toEqual({ php: '8.2' });
  });
});
