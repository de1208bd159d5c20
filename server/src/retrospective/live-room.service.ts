import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-events';
import { Ticker } from '../common/ticker';
import type { RoomOverTimeView } from '../contract/retrospective';
import { workshopText } from '../workshops/workshop.schema';
import { WorkshopsService } from '../workshops/workshops.service';
import { agendaRecord, RunArchiveStore, stepsOf } from './run-archive.store';
import type { TransitionRecord } from './run-record';
import { liveRoom } from './statistics';

/** How often the board's chart may be redrawn after changes; and at the latest, while time alone moves it. */
export const ROOM_PUSH_MS = 10_000;
export const ROOM_REFRESH_MS = 60_000;

/**
 * The active run's room over time, for the board: the same figures as the retrospective's chart, kept
 * current from the transitions stored since the last look (never the whole history again).
 */
@Injectable()
export class LiveRoomService implements OnApplicationBootstrap, OnModuleDestroy {
  private runId: string | null = null;
  private transitions: TransitionRecord[] = [];
  private lastId = 0;
  private latest: RoomOverTimeView | null = null;
  private dirty = true;
  private lastPush = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stop: (() => void)[] = [];

  constructor(
    private readonly store: RunArchiveStore,
    private readonly workshops: WorkshopsService,
    private readonly events: DomainEventBus,
    private readonly ticker: Ticker,
  ) {}

  onApplicationBootstrap(): void {
    const changed = () => (this.dirty = true);
    this.stop.push(
      this.events.on('progress.changed', changed),
      this.events.on('attendee.registered', changed),
      this.events.on('clock.changed', () => void this.refresh()),
      this.events.on('run.started', () => void this.refresh()),
      this.ticker.every(ROOM_PUSH_MS, () => {
        if (this.dirty || Date.now() - this.lastPush >= ROOM_REFRESH_MS) void this.refresh();
      }),
    );
  }

  onModuleDestroy(): void {
    this.stop.forEach((stop) => stop());
  }

  /** The chart as last computed (computed now if never). */
  async current(): Promise<RoomOverTimeView> {
    return this.latest ?? (await this.compute());
  }

  private async refresh(): Promise<void> {
    await this.compute();
    this.lastPush = Date.now();
    this.events.emit('room.changed', {});
  }

  /** One at a time: two reads since the same last id would append the same transitions twice. */
  private compute(): Promise<RoomOverTimeView> {
    const next = this.queue.then(() => this.computeNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async computeNow(now = Date.now()): Promise<RoomOverTimeView> {
    this.dirty = false;
    const active = this.workshops.workshop;
    if (this.runId !== active.runId) {
      this.runId = active.runId;
      this.transitions = [];
      this.lastId = 0;
    }
    const runId = active.runId;
    const [fresh, attendees, clock] = await Promise.all([this.store.transitions(runId, this.lastId), this.store.attendeesOf(runId), this.workshops.clock()]);
    if (this.workshops.workshop.runId !== runId) return this.computeNow(now); // a new run started meanwhile
    this.transitions.push(...fresh.rows);
    this.lastId = fresh.lastId;
    this.latest = liveRoom({
      run: {
        id: runId,
        number: active.runNumber,
        workshopId: active.id,
        title: workshopText(active.definition, active.definition.title),
        startedAt: new Date(now).toISOString(),
        archivedAt: null,
        active: true,
        version: { revision: 0, hash: '' },
        attendance: { registered: attendees.length, connected: 0 },
        shared: false,
        sharePath: null,
      },
      steps: stepsOf(active.definition),
      agenda: agendaRecord(active.definition),
      discussion: { prompt: '', minutes: 0, presentationMinutes: 0 },
      clockStartedAt: clock.startedAt?.getTime() ?? null,
      endAt: now,
      attendees,
      transitions: this.transitions,
      help: [],
      groups: [],
      discussionTimer: null,
    });
    return this.latest;
  }
}
