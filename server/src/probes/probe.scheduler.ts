import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { CheckResult } from '../contract/checks';
import type { Ack } from '../contract/events';
import { DomainEventBus } from '../common/domain-events';
import { RateLimiter } from '../common/rate-limiter';
import { Ticker } from '../common/ticker';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { ProgressService } from '../progress/progress.service';
import { Semaphore } from '../ssh/semaphore';
import type { VmChannel } from '../ssh/ssh.types';
import { AttendeeValuesService } from '../workshops/attendee-values.service';
import { isOutsideCheck, type CheckDefinition } from '../workshops/workshop.schema';
import { WorkshopsService } from '../workshops/workshops.service';
import { runChecks } from './check-runner';
import { CapturedVarsStore } from './captured-vars.store';
import { capturedValues, checkValues } from './check-values';
import { ProbeMetrics } from './probe.metrics';
import { captureRounds, dueChecks } from './probe-plan';
import { VmConnectionsService } from './vm-connections.service';
import { refusal } from '../contract/i18n/english';

/**
 * After a change the watch saw, the VM is probed again this often while its step stays, this many times: a
 * service whose unit has just started answers its port a moment later (ebpf_exporter attaches its programs first).
 */
const CHANGE_FOLLOW_UP_MS = 300;
export const CHANGE_FOLLOW_UPS = 6;

/**
 * The sweep: every probe interval, each connected VM is probed once (bounded concurrency, each
 * under its own deadline) and the results go to progress, which decides what they mean.
 */
@Injectable()
export class ProbeScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ProbeScheduler.name);
  private readonly lastRunAt = new Map<string, Map<string, number>>();
  /** The probe under way per VM, and whether the watch asked for it (a sweep then takes its results). */
  private readonly inFlight = new Map<string, { byChange: boolean; done: Promise<boolean> }>();
  /** VMs that changed while their probe was under way: probed once more when it ends (it may have read before the change). */
  private readonly changedMeanwhile = new Set<string>();
  private readonly concurrency: Semaphore;
  private readonly attendeeProbes = new RateLimiter(2, 0.2);
  private stopTicking: () => void = () => undefined;
  private stopListening: () => void = () => undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly workshops: WorkshopsService,
    private readonly connections: VmConnectionsService,
    private readonly progress: ProgressService,
    private readonly metrics: ProbeMetrics,
    private readonly ticker: Ticker,
    private readonly events: DomainEventBus,
    private readonly attendeeValues: AttendeeValuesService,
    private readonly captured: CapturedVarsStore,
  ) {
    this.concurrency = new Semaphore(config.probeConcurrency);
  }

  onApplicationBootstrap(): void {
    this.startTicking();
    // A new run may come with an updated workshop file, and another probe interval.
    const stopRuns = this.events.on('run.started', () => {
      this.lastRunAt.clear();
      this.captured.clear();
      this.stopTicking();
      this.startTicking();
    });
    const stopRemovals = this.events.on('attendee.removed', ({ attendeeId }) => {
      this.lastRunAt.delete(attendeeId);
      this.captured.forget(attendeeId);
    });
    this.stopListening = () => {
      stopRuns();
      stopRemovals();
    };
  }

  onModuleDestroy(): void {
    this.stopListening();
    this.stopTicking();
  }

  private startTicking(): void {
    const interval = this.workshops.workshop.definition.probe.intervalSeconds * 1000;
    this.stopTicking = this.ticker.every(interval, () => void this.sweep());
  }

  async sweep(): Promise<void> {
    const started = performance.now();
    await Promise.all(this.connections.watchedIds().map((id) => this.concurrency.run(() => this.probe(id))));
    this.metrics.sweepTook((performance.now() - started) / 1000);
  }

  /** Probe one VM now, every check (the navigator's re-probe). False when it cannot be reached. */
  async probeNow(attendeeId: string): Promise<boolean> {
    await this.inFlight.get(attendeeId)?.done;
    this.lastRunAt.delete(attendeeId);
    return this.probe(attendeeId);
  }

  /**
   * The VM's watch saw its current step's checks change: its due checks now, not at the next sweep. A
   * service that has just started (its unit running) often answers a moment later: while the step stays
   * the same, the VM is probed again shortly after, a few times.
   */
  probeChanged(attendeeId: string, followUps = CHANGE_FOLLOW_UPS): void {
    if (this.inFlight.has(attendeeId)) {
      this.changedMeanwhile.add(attendeeId);
      return;
    }
    const stepBefore = this.progress.currentStepOf(attendeeId);
    // Ahead of a sweep's queue: a change is what the room is waiting to see.
    void this.concurrency
      .run(() => this.probe(attendeeId, true), { first: true })
      .then((ok) => {
        if (ok && followUps > 0 && this.progress.currentStepOf(attendeeId) === stepBefore)
          this.ticker.after(CHANGE_FOLLOW_UP_MS, () => this.probeChanged(attendeeId, followUps - 1));
      });
  }

  /** An attendee's "check me now": rate-limited, and says why when it cannot. */
  async probeForAttendee(attendeeId: string): Promise<Ack> {
    const wait = this.attendeeProbes.take(attendeeId);
    if (wait > 0) return refusal('limit.probe', { seconds: wait });
    return (await this.probeNow(attendeeId)) ? { ok: true } : refusal('probe.not_connected');
  }

  private probe(attendeeId: string, byChange = false): Promise<boolean> {
    const running = this.inFlight.get(attendeeId);
    // A sweep that finds the watch's probe under way takes its results; one that finds the last sweep's probe still
    // going skips the VM (it is slower than the interval).
    if (running) return running.byChange && !byChange ? running.done : Promise.resolve(false);
    const channel = this.connections.channelOf(attendeeId);
    if (!channel) return Promise.resolve(false);
    const done = this.probeWith(attendeeId, channel);
    this.inFlight.set(attendeeId, { byChange, done });
    return done;
  }

  private async probeWith(attendeeId: string, channel: VmChannel): Promise<boolean> {
    try {
      const { results, foundNew } = await this.runDueChecks(attendeeId, channel);
      this.metrics.results(results);
      await this.progress.recordResults(attendeeId, results);
      // The attendee's page shows hints with what their VM's checks found (a check that stays passing may find a new value).
      if (foundNew) this.events.emit('progress.changed', { attendeeId });
      return true;
    } catch (error) {
      this.logger.warn(`probe of ${attendeeId} failed: ${(error as Error).message}`);
      return false;
    } finally {
      this.inFlight.delete(attendeeId);
      if (this.changedMeanwhile.delete(attendeeId)) this.probeChanged(attendeeId);
    }
  }

  /**
   * The checks due now, those finding captured vars first (captureRounds); and when they finish a step,
   * the next step's at once rather than at their next stable recheck, up to 25 s later (an attendee may
   * have done several steps since). `foundNew`: a capture found a value the attendee's page has not shown.
   */
  private async runDueChecks(attendeeId: string, channel: VmChannel): Promise<{ results: CheckResult[]; foundNew: boolean }> {
    const workshop = this.workshops.workshop.definition;
    const now = Date.now();
    const lastRun = this.lastRunAt.get(attendeeId) ?? new Map<string, number>();
    const attendee = await this.attendeeValues.valuesOf(attendeeId);
    const outside = workshop.steps.some((step) => step.checks.some(isOutsideCheck)) ? await this.connections.outsideOf(attendeeId) : undefined;
    const ran = new Set<CheckDefinition>();
    const results: CheckResult[] = [];
    let foundNew = false;
    const run = async (checks: CheckDefinition[]) => {
      for (const round of captureRounds(workshop, checks, this.captured.foundOn(channel))) {
        const fresh = round.filter((check) => !ran.has(check));
        if (fresh.length === 0) continue;
        const values = checkValues(workshop, attendee, this.captured.foundOn(channel), { awaitCaptures: true });
        const roundResults = await runChecks(channel, workshop, fresh, values, outside);
        if (this.captured.record(attendeeId, channel, capturedValues(fresh, roundResults))) foundNew = true;
        fresh.forEach((check) => ran.add(check));
        results.push(...roundResults);
      }
    };
    await run(dueChecks(workshop, this.progress.currentStepOf(attendeeId), this.progress.checksOf(attendeeId), lastRun, now));
    for (let followUps = 0; followUps < workshop.steps.length; followUps++) {
      const currentStepId = this.progress.currentStepWith(attendeeId, results);
      const current = workshop.steps.find((step) => step.id === currentStepId);
      const missing = current?.checks.filter((check) => !ran.has(check)) ?? [];
      if (missing.length === 0) break;
      await run(missing);
    }
    for (const check of ran) lastRun.set(check.id, now);
    this.lastRunAt.set(attendeeId, lastRun);
    return { results, foundNew };
  }
}
