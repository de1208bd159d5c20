import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { DomainEventBus } from '../common/domain-events';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { MetricsService } from '../metrics/metrics.service';
import { PrismaService } from '../prisma/prisma.service';
import { stepProgress } from '../progress/step-progress';
import { diffResults, type KnownCheck } from '../progress/transitions';
import { Semaphore } from '../ssh/semaphore';
import type { VmChannel } from '../ssh/ssh.types';
import { WorkshopsService } from '../workshops/workshops.service';
import type { CheckResult, CheckStatus } from './check-result';
import { runChecks } from './check-runner';
import { dueChecks } from './probe-plan';
import { VmConnectionsService } from './vm-connections.service';

/**
 * The sweep: every probe interval, each connected VM is probed once (bounded concurrency, each
 * under its own deadline), results become statuses, and only status changes are stored and pushed.
 */
@Injectable()
export class ProbeService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ProbeService.name);
  private readonly known = new Map<string, Map<string, KnownCheck>>();
  /** When each attendee arrived at their current step: what stuck detection measures from. */
  private readonly currentStep = new Map<string, { stepId: string | null; since: Date }>();
  private readonly lastRunAt = new Map<string, Map<string, number>>();
  private readonly inFlight = new Set<string>();
  private readonly concurrency: Semaphore;
  private timer: NodeJS.Timeout | null = null;
  private readonly sweepSeconds: Histogram;
  private readonly checkResults: Counter<'check' | 'status'>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly connections: VmConnectionsService,
    private readonly events: DomainEventBus,
    metrics: MetricsService,
  ) {
    this.concurrency = new Semaphore(config.probeConcurrency);
    this.sweepSeconds = new Histogram({
      name: 'navigator_sweep_duration_seconds',
      help: 'Time to probe every connected VM once',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
    this.checkResults = new Counter({
      name: 'navigator_check_results_total',
      help: 'Check results, by check id and status',
      labelNames: ['check', 'status'] as const,
      registers: [metrics.registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.restoreKnownStatuses();
    const interval = this.workshops.workshop.definition.probe.intervalSeconds * 1000;
    this.timer = setInterval(() => void this.sweep(), interval);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Last known status of each check for an attendee (in memory, rebuilt from transitions at start). */
  statusesOf(attendeeId: string): ReadonlyMap<string, KnownCheck> {
    return this.known.get(attendeeId) ?? new Map();
  }

  currentStepSince(attendeeId: string): Date | null {
    return this.currentStep.get(attendeeId)?.since ?? null;
  }

  private trackCurrentStep(attendeeId: string, at: Date): void {
    const states = Object.fromEntries([...this.statusesOf(attendeeId)].map(([checkId, known]) => [checkId, known.status]));
    const { currentStepId } = stepProgress(this.workshops.workshop.definition, states);
    const tracked = this.currentStep.get(attendeeId);
    if (!tracked || tracked.stepId !== currentStepId) this.currentStep.set(attendeeId, { stepId: currentStepId, since: at });
  }

  async sweep(): Promise<void> {
    const started = performance.now();
    const ids = await this.prisma.attendee.findMany({ where: { workshopId: this.workshops.workshop.id }, select: { id: true } });
    await Promise.all(ids.map(({ id }) => this.concurrency.run(() => this.probe(id))));
    this.sweepSeconds.observe((performance.now() - started) / 1000);
  }

  /** Probe one VM now (navigator's re-probe, attendee's "check me now"). False when it cannot be reached. */
  async probeNow(attendeeId: string): Promise<boolean> {
    this.lastRunAt.delete(attendeeId);
    return this.probe(attendeeId);
  }

  private async probe(attendeeId: string): Promise<boolean> {
    const channel = this.connections.connection(attendeeId);
    if (!channel || this.inFlight.has(attendeeId)) return false;
    this.inFlight.add(attendeeId);
    try {
      const results = await this.runChecks(attendeeId, channel);
      await this.record(attendeeId, results);
      return true;
    } catch (error) {
      this.logger.warn(`probe of ${attendeeId} failed: ${(error as Error).message}`);
      return false;
    } finally {
      this.inFlight.delete(attendeeId);
    }
  }

  private async runChecks(attendeeId: string, channel: VmChannel): Promise<CheckResult[]> {
    const workshop = this.workshops.workshop.definition;
    const now = Date.now();
    const lastRun = this.lastRunAt.get(attendeeId) ?? new Map<string, number>();
    const currentStepId = this.currentStep.get(attendeeId)?.stepId ?? null;
    const due = dueChecks(workshop, currentStepId, this.statusesOf(attendeeId), lastRun, now);
    const results = await runChecks(channel, workshop, due);
    // An attendee who finished a step since the last sweep may have finished the next one too: the
    // new current step's checks run now rather than at their next stable recheck, up to 25 s later.
    const ran = new Set(due.map((check) => check.id));
    for (let followUps = 0; followUps < workshop.steps.length; followUps++) {
      const states: Record<string, CheckStatus> = Object.fromEntries([...this.statusesOf(attendeeId)].map(([id, known]) => [id, known.status]));
      for (const result of results) states[result.checkId] = result.status;
      const current = workshop.steps.find((step) => step.id === stepProgress(workshop, states).currentStepId);
      const missing = current?.checks.filter((check) => !ran.has(check.id)) ?? [];
      if (missing.length === 0) break;
      missing.forEach((check) => ran.add(check.id));
      due.push(...missing);
      results.push(...(await runChecks(channel, workshop, missing)));
    }
    for (const check of due) lastRun.set(check.id, now);
    this.lastRunAt.set(attendeeId, lastRun);
    for (const result of results) this.checkResults.inc({ check: result.checkId, status: result.status });
    return results;
  }

  private async record(attendeeId: string, results: CheckResult[]): Promise<void> {
    const stepOf = new Map(this.workshops.workshop.definition.steps.flatMap((step) => step.checks.map((check) => [check.id, step.id] as const)));
    const { transitions, next } = diffResults(this.statusesOf(attendeeId), results, new Date());
    if (transitions.length > 0) {
      await this.prisma.transition.createMany({
        data: transitions.map((t) => ({
          attendeeId,
          checkId: t.checkId,
          stepId: stepOf.get(t.checkId) ?? null,
          fromStatus: t.from,
          toStatus: t.to,
          reason: t.reason,
          at: t.at,
        })),
      });
    }
    const outputsChanged = results.some((r) => this.statusesOf(attendeeId).get(r.checkId)?.reason !== r.reason);
    this.known.set(attendeeId, next);
    this.trackCurrentStep(attendeeId, new Date());
    if (transitions.length > 0 || outputsChanged) this.events.emit('progress.changed', { attendeeId });
  }

  private async restoreKnownStatuses(): Promise<void> {
    // The newest transition per attendee and check is its status now.
    const latest = await this.prisma.$queryRawUnsafe<{ attendeeId: string; checkId: string; toStatus: string; reason: string | null; at: number | string }[]>(
      `SELECT t.attendeeId, t.checkId, t.toStatus, t.reason, t.at FROM "Transition" t
       JOIN (SELECT attendeeId, checkId, MAX(id) AS id FROM "Transition" WHERE checkId IS NOT NULL GROUP BY attendeeId, checkId) last ON last.id = t.id`,
    );
    for (const row of latest) {
      const map = this.known.get(row.attendeeId) ?? new Map<string, KnownCheck>();
      map.set(row.checkId, {
        status: row.toStatus as CheckStatus,
        reason: row.reason,
        output: null,
        since: new Date(typeof row.at === 'string' ? row.at : Number(row.at)),
      });
      this.known.set(row.attendeeId, map);
    }
    // After a restart, an attendee arrived at their current step when the last check of an earlier step passed.
    const attendees = await this.prisma.attendee.findMany({ where: { workshopId: this.workshops.workshop.id }, select: { id: true, createdAt: true } });
    for (const attendee of attendees) {
      const passes = [...this.statusesOf(attendee.id).values()].filter((k) => k.status === 'pass').map((k) => k.since.getTime());
      this.trackCurrentStep(attendee.id, new Date(Math.max(attendee.createdAt.getTime(), ...passes)));
    }
  }
}
