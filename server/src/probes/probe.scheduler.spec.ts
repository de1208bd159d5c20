import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DomainEventBus } from '../common/domain-events';
import type { Ticker } from '../common/ticker';
import { loadConfig } from '../config/app.config';
import type { CheckResult } from '../contract/checks';
import { MetricsService } from '../metrics/metrics.service';
import type { ProgressService } from '../progress/progress.service';
import { stepProgress } from '../progress/step-progress';
import type { VmChannel } from '../ssh/ssh.types';
import { workshopSchema } from '../workshops/workshop.schema';
import type { AttendeeValuesService } from '../workshops/attendee-values.service';
import type { WorkshopsService } from '../workshops/workshops.service';
import { ProbeMetrics } from './probe.metrics';
import { ProbeScheduler } from './probe.scheduler';
import type { VmConnectionsService } from './vm-connections.service';

/** A VM whose kept-open shell is the local /bin/sh in a directory of its own (the integration tests use a real sshd). */
class LocalVm implements VmChannel {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-scheduler-'));
  batches = 0;
  runInShell(input: string, _doneMarker: string, timeoutMs: number) {
    this.batches += 1;
    const run = spawnSync('/bin/sh', ['-s'], { input, encoding: 'utf8', timeout: timeoutMs, cwd: this.dir });
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
  async recordResults(attendeeId: string, results: CheckResult[]) {
    this.recorded.push({ attendeeId, results });
    this.statuses.set(attendeeId, { ...this.statuses.get(attendeeId), ...Object.fromEntries(results.map((r) => [r.checkId, r.status])) });
  }
  /** Every status long settled, so only the current step is due on a sweep. */
  checksOf(attendeeId: string) {
    return new Map(Object.entries(this.statuses.get(attendeeId) ?? {}).map(([id, status]) => [id, { status, reason: null, output: null, since: new Date(0) }]));
  }
  currentStepOf(attendeeId: string) {
    return stepProgress(definition, this.statuses.get(attendeeId) ?? {}).currentStepId;
  }
  currentStepWith(attendeeId: string, results: CheckResult[]) {
    return stepProgress(definition, { ...this.statuses.get(attendeeId), ...Object.fromEntries(results.map((r) => [r.checkId, r.status])) }).currentStepId;
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
  after() {
    return () => undefined;
  }
}

let vms: Map<string, LocalVm | undefined>;
let progress: RecordingProgress;
let ticker: ManualTicker;
let scheduler: ProbeScheduler;

beforeEach(() => {
  vms = new Map<string, LocalVm | undefined>([
    ['ada', new LocalVm()],
    ['grace', new LocalVm()],
    ['offline', undefined],
  ]);
  progress = new RecordingProgress();
  ticker = new ManualTicker();
  const connections = { watchedIds: () => [...vms.keys()], channelOf: (id: string) => vms.get(id) } as unknown as VmConnectionsService;
  const workshops = { workshop: { id: 'w', definition, joinCode: 'ABCDEF' } } as unknown as WorkshopsService;
  scheduler = new ProbeScheduler(
    loadConfig({}, '/tmp'),
    workshops,
    connections,
    progress as unknown as ProgressService,
    new ProbeMetrics(new MetricsService()),
    ticker as unknown as Ticker,
    new DomainEventBus(),
    { valuesOf: async () => ({}) } as unknown as AttendeeValuesService,
  );
  scheduler.onApplicationBootstrap();
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
    expect(await scheduler.probeForAttendee('ada')).toMatchObject({ ok: false, error: expect.stringMatching(/ask again in \d+ s/) });
    expect(await scheduler.probeForAttendee('offline')).toEqual({ ok: false, error: 'Navigator is not connected to your VM yet.' });
  });
});
