import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { CheckResult, CheckStatus, ConnectionState } from '../contract/checks';
import type { ConnectionView, PaceView, ProgressView, StuckView } from '../contract/views';
import { sameReason } from '../contract/i18n/coded';
import { DomainEventBus } from '../common/domain-events';
import { Ticker } from '../common/ticker';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { agendaOf, substituteVars } from '../workshops/workshop.schema';
import { WorkshopsService } from '../workshops/workshops.service';
import { pace } from './pace';
import { cellStates, stepProgress, type StepProgress } from './step-progress';
import { DEFAULT_STUCK_RULES, doneShares, stuckOf, type StuckRules } from './stuck';
import { TransitionStore, type StoredConnectionStatus } from './transition.store';
import { diffResults, type KnownCheck } from './transitions';
import { currentStepState } from './working-on-it';

/** How often stuck and pace are judged again without any new result: they move with the clock alone. */
export const ROOM_REVIEW_MS = 5_000;

const WAITING: ConnectionView = { state: 'waiting', reason: null, message: null, since: new Date(0).toISOString(), retries: 0 };

/**
 * The owner of the truth about progress: every attendee's check statuses and connection, their step
 * progress, when they reached their current step, who is stuck, and the room's pace. Probes and
 * connections report to it; it stores the transitions and announces what changed.
 */
@Injectable()
export class ProgressService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly checks = new Map<string, Map<string, KnownCheck>>();
  /** Checks that passed at least once, per attendee: a sticky check counts as passed from then on. */
  private readonly passedOnce = new Map<string, Set<string>>();
  private readonly connections = new Map<string, ConnectionView>();
  /** The last connection status stored per VM: `connecting` in between is not history. */
  private readonly storedConnections = new Map<string, StoredConnectionStatus>();
  /** When each attendee arrived at their current step: what stuck is measured from. */
  private readonly currentSteps = new Map<string, { stepId: string | null; since: Date }>();
  private readonly stuck = new Map<string, StuckView | null>();
  /** Checks that passed and then failed, per attendee: what broke is failing at once. */
  private readonly broke = new Map<string, Set<string>>();
  /** The current step's state last announced (working on it turns failing with the clock alone). */
  private readonly announcedCurrent = new Map<string, string | undefined>();
  private shares: Record<string, number> = {};
  private pace: PaceView | null = null;
  private readonly rules: StuckRules;
  private readonly stop: (() => void)[] = [];
  /** Attendees of archived runs: a probe still in flight when their run ended must not bring them back. */
  private readonly archived = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly store: TransitionStore,
    private readonly workshops: WorkshopsService,
    private readonly events: DomainEventBus,
    private readonly ticker: Ticker,
  ) {
    this.rules = { ...DEFAULT_STUCK_RULES, factor: config.stuckFactor };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.restore();
    this.stop.push(
      this.events.on('attendee.registered', ({ attendeeId }) => this.trackCurrentStep(attendeeId, new Date())),
      this.events.on('clock.changed', () => void this.reviewRoom()),
      this.events.on('run.started', () => this.forgetRun()),
      this.events.on('attendee.removed', ({ attendeeId }) => this.forget(attendeeId)),
      this.ticker.every(ROOM_REVIEW_MS, () => void this.reviewRoom()),
    );
    await this.reviewRoom();
  }

  onModuleDestroy(): void {
    this.stop.forEach((stop) => stop());
  }

  // ── what is known ─────────────────────────────────────────────────────────

  checksOf(attendeeId: string): ReadonlyMap<string, KnownCheck> {
    return this.checks.get(attendeeId) ?? new Map();
  }

  connectionOf(attendeeId: string): ConnectionView {
    return this.connections.get(attendeeId) ?? WAITING;
  }

  connectionCounts(): Record<ConnectionState, number> {
    const counts: Record<ConnectionState, number> = { waiting: 0, connecting: 0, connected: 0, unreachable: 0 };
    for (const id of this.currentSteps.keys()) counts[this.connectionOf(id).state] += 1;
    return counts;
  }

  currentStepOf(attendeeId: string): string | null {
    return this.currentSteps.get(attendeeId)?.stepId ?? this.stepProgressOf(attendeeId).currentStepId;
  }

  /** The current step as it would be with these results in: a probe that finished a step runs the next one's checks at once. */
  currentStepWith(attendeeId: string, results: readonly CheckResult[]): string | null {
    const statuses = this.statusesOf(attendeeId);
    const passed = new Set(this.passedOnce.get(attendeeId));
    for (const result of results) {
      statuses[result.checkId] = result.status;
      if (result.status === 'pass') passed.add(result.checkId);
    }
    return stepProgress(this.workshops.workshop.definition, statuses, passed).currentStepId;
  }

  progressOf(attendeeId: string): ProgressView {
    const progress = this.stepProgressOf(attendeeId);
    return {
      ...progress,
      currentStepSince: this.currentSteps.get(attendeeId)?.since.toISOString() ?? null,
      cells: cellStates(progress.steps, this.connectionOf(attendeeId).state),
      stuck: this.stuck.get(attendeeId) ?? null,
    };
  }

  currentPace(): PaceView | null {
    return this.pace;
  }

  // ── what is reported ──────────────────────────────────────────────────────

  /** One probe's results: status changes are stored, then announced. A reason that changes alone is kept, not stored. */
  async recordResults(attendeeId: string, results: readonly CheckResult[], at = new Date()): Promise<void> {
    if (this.archived.has(attendeeId)) return;
    const known = this.checksOf(attendeeId);
    const { transitions, next } = diffResults(known, results, at);
    if (transitions.length > 0) {
      const stepOf = this.workshops.stepIdOfCheck;
      await this.store.appendChecks(
        attendeeId,
        transitions.map((t) => ({ ...t, stepId: stepOf.get(t.checkId) ?? null })),
      );
    }
    const reasonsChanged = results.some((r) => !sameReason(known.get(r.checkId)?.reason, r.reason));
    const broke = this.broke.get(attendeeId) ?? new Set<string>();
    for (const t of transitions) {
      if (t.from === 'pass' && t.to === 'fail') broke.add(t.checkId);
      else if (t.to === 'pass') broke.delete(t.checkId);
    }
    this.broke.set(attendeeId, broke);
    this.checks.set(attendeeId, next);
    const passed = this.passedOnce.get(attendeeId) ?? new Set<string>();
    for (const result of results) if (result.status === 'pass') passed.add(result.checkId);
    this.passedOnce.set(attendeeId, passed);
    this.trackCurrentStep(attendeeId, at);
    const stuckChanged = this.judgeStuck(attendeeId, at.getTime());
    if (transitions.length > 0 || reasonsChanged || stuckChanged) this.events.emit('progress.changed', { attendeeId });
  }

  /** A VM connection's state. A retry while unreachable is not news: it stays unreachable, with its reason, until one succeeds. */
  async recordConnection(attendeeId: string, view: ConnectionView): Promise<void> {
    if (this.archived.has(attendeeId)) return;
    const previous = this.connections.get(attendeeId);
    if (view.state === 'connecting' && previous?.state === 'unreachable') return;
    if (previous?.state === view.state && previous.reason === view.reason) {
      // The same state again (a retry that failed the same way): its first moment stays and the retry is
      // counted. Not pushed on its own: the count rides along with the next update.
      this.connections.set(attendeeId, { ...view, since: previous.since, retries: previous.retries + 1 });
      return;
    }
    this.connections.set(attendeeId, view);
    if (view.state === 'connected' || view.state === 'unreachable') {
      const stored = this.storedConnections.get(attendeeId) ?? null;
      const next: StoredConnectionStatus = { state: view.state, reason: view.reason };
      if (stored?.state !== next.state || stored.reason !== next.reason) {
        await this.store.appendConnection(attendeeId, stored, next, new Date(view.since));
        this.storedConnections.set(attendeeId, next);
      }
    }
    this.judgeStuck(attendeeId, Date.now());
    this.events.emit('progress.changed', { attendeeId });
  }

  // ── rules applied ─────────────────────────────────────────────────────────

  private statusesOf(attendeeId: string): Record<string, CheckStatus> {
    return Object.fromEntries([...this.checksOf(attendeeId)].map(([checkId, known]) => [checkId, known.status]));
  }

  private stepProgressOf(attendeeId: string, now = Date.now()): StepProgress {
    const definition = this.workshops.workshop.definition;
    const progress = stepProgress(definition, this.statusesOf(attendeeId), this.passedOnce.get(attendeeId));
    const currentId = progress.currentStepId;
    const step = definition.steps.find((s) => s.id === currentId);
    const arrived = this.currentSteps.get(attendeeId);
    // A fresh current step is working on it until its checks have failed for longer than it takes to start.
    if (step && currentId && progress.steps[currentId] === 'failing' && arrived?.stepId === currentId) {
      const known = this.checksOf(attendeeId);
      const broke = this.broke.get(attendeeId);
      progress.steps[currentId] = currentStepState(
        {
          plannedMinutes: step.minutes,
          arrivedAt: arrived.since.getTime(),
          notPassing: step.checks.flatMap((check) => {
            const status = known.get(check.id);
            if (!status || status.status === 'pass') return [];
            return [{ status: status.status, since: status.since.getTime(), broke: broke?.has(check.id) ?? false }];
          }),
        },
        now,
      );
    }
    return progress;
  }

  private trackCurrentStep(attendeeId: string, at: Date): void {
    const { currentStepId } = this.stepProgressOf(attendeeId);
    const tracked = this.currentSteps.get(attendeeId);
    if (!tracked || tracked.stepId !== currentStepId) this.currentSteps.set(attendeeId, { stepId: currentStepId, since: at });
  }

  /** True when the attendee's stuck flag changed. */
  private judgeStuck(attendeeId: string, now: number): boolean {
    const progress = this.stepProgressOf(attendeeId);
    const connection = this.connectionOf(attendeeId);
    const stuck = stuckOf(
      {
        currentStepId: progress.currentStepId,
        currentStepSince: this.currentSteps.get(attendeeId)?.since.toISOString() ?? null,
        doneStepIds: doneStepIds(progress),
        connectionState: connection.state,
        connectionSince: connection.since,
      },
      this.workshops.workshop.definition.steps,
      this.shares,
      this.rules,
      now,
    );
    const previous = this.stuck.get(attendeeId) ?? null;
    this.stuck.set(attendeeId, stuck);
    return JSON.stringify(previous) !== JSON.stringify(stuck);
  }

  /** Stuck and pace move with the clock alone: judged again every few seconds, and only changes are announced. */
  private async reviewRoom(now = Date.now()): Promise<void> {
    const steps = this.workshops.workshop.definition.steps;
    const ids = [...this.currentSteps.keys()];
    const progress = ids.map((id) => this.stepProgressOf(id));
    this.shares = doneShares(
      steps,
      progress.map((p) => ({ doneStepIds: doneStepIds(p) })),
    );
    for (const [i, id] of ids.entries()) {
      const current = progress[i].currentStepId ? progress[i].steps[progress[i].currentStepId!] : undefined;
      const currentChanged = this.announcedCurrent.has(id) && this.announcedCurrent.get(id) !== current;
      this.announcedCurrent.set(id, current);
      if (this.judgeStuck(id, now) || currentChanged) this.events.emit('progress.changed', { attendeeId: id });
    }

    const clock = await this.workshops.clock();
    const definition = this.workshops.workshop.definition;
    const next = clock.startedAt
      ? pace(
          (clock.pausedAt?.getTime() ?? now) - clock.startedAt.getTime() - clock.pausedTotalMs,
          agendaOf(definition).map((item) => ({ ...item, title: substituteVars(definition, item.title) })),
          progress.map((p) => p.doneCount),
        )
      : null;
    if (JSON.stringify(next) !== JSON.stringify(this.pace)) {
      this.pace = next;
      this.events.emit('pace.changed', { pace: next });
    }
  }

  /** A removed attendee leaves the room at once; a probe still in flight for them must not bring them back. */
  forget(attendeeId: string): void {
    this.archived.add(attendeeId);
    for (const map of [
      this.checks,
      this.passedOnce,
      this.connections,
      this.storedConnections,
      this.currentSteps,
      this.stuck,
      this.broke,
      this.announcedCurrent,
    ])
      map.delete(attendeeId);
    void this.reviewRoom();
  }

  /** A new run starts with nobody: the archived run's statuses stay in the database only. */
  private forgetRun(): void {
    for (const id of [...this.currentSteps.keys(), ...this.connections.keys(), ...this.checks.keys()]) this.archived.add(id);
    for (const map of [
      this.checks,
      this.passedOnce,
      this.connections,
      this.storedConnections,
      this.currentSteps,
      this.stuck,
      this.broke,
      this.announcedCurrent,
    ])
      map.clear();
    this.shares = {};
  }

  private async restore(): Promise<void> {
    const runId = this.workshops.workshop.runId;
    for (const row of await this.store.latestCheckStatuses(runId)) {
      const map = this.checks.get(row.attendeeId) ?? new Map<string, KnownCheck>();
      map.set(row.checkId, { status: row.status, reason: row.reason, output: null, since: row.at });
      this.checks.set(row.attendeeId, map);
    }
    for (const { attendeeId, checkId } of await this.store.passedChecks(runId)) {
      const passed = this.passedOnce.get(attendeeId) ?? new Set<string>();
      passed.add(checkId);
      this.passedOnce.set(attendeeId, passed);
    }
    for (const [attendeeId, stored] of await this.store.latestConnectionStatuses(runId)) this.storedConnections.set(attendeeId, stored);
    // After a restart, an attendee arrived at their current step when the last check of an earlier step passed.
    for (const attendee of await this.store.attendees(runId)) {
      const passes = [...this.checksOf(attendee.id).values()].filter((k) => k.status === 'pass').map((k) => k.since.getTime());
      this.trackCurrentStep(attendee.id, new Date(Math.max(attendee.createdAt.getTime(), ...passes)));
    }
  }
}

function doneStepIds(progress: StepProgress): string[] {
  return Object.entries(progress.steps)
    .filter(([, state]) => state === 'done')
    .map(([id]) => id);
}
