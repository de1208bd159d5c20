import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainEventBus, type DomainEvents } from '../common/domain-events';
import type { Ticker } from '../common/ticker';
import { loadConfig } from '../config/app.config';
import type { CheckResult } from '../contract/checks';
import { workshopSchema } from '../workshops/workshop.schema';
import type { WorkshopsService } from '../workshops/workshops.service';
import { ProgressService, ROOM_REVIEW_MS } from './progress.service';
import type { StoredCheckStatus, StoredConnectionStatus, TransitionStore } from './transition.store';

const definition = workshopSchema.parse({
  id: 'w',
  title: 'W',
  steps: [
    { id: 'one', title: 'One', minutes: 10, checks: [{ id: 'a', title: 'A', ssh: { run: 'true' } }] },
    { id: 'two', title: 'Two', minutes: 20, checks: [{ id: 'b', title: 'B', ssh: { run: 'true' } }] },
  ],
});
const T0 = new Date('2026-12-01T09:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/** Transitions kept in memory: what the service asks of the database, and nothing else. */
class MemoryTransitions {
  checks: { attendeeId: string; checkId: string; stepId: string | null; from: string | null; to: string; reason: string | null }[] = [];
  connections: { attendeeId: string; from: string | null; to: StoredConnectionStatus }[] = [];
  restoredChecks: StoredCheckStatus[] = [];
  attendeeRows = [{ id: 'ada', createdAt: T0 }];

  async appendChecks(attendeeId: string, transitions: { checkId: string; stepId: string | null; from: string | null; to: string; reason: string | null }[]) {
    this.checks.push(...transitions.map(({ checkId, stepId, from, to, reason }) => ({ attendeeId, checkId, stepId, from, to, reason })));
  }
  async appendConnection(attendeeId: string, from: StoredConnectionStatus | null, to: StoredConnectionStatus) {
    this.connections.push({ attendeeId, from: from?.state ?? null, to });
  }
  async latestCheckStatuses() {
    return this.restoredChecks;
  }
  async passedChecks() {
    return this.restoredChecks.filter((c) => c.status === 'pass').map(({ attendeeId, checkId }) => ({ attendeeId, checkId }));
  }
  async latestConnectionStatuses() {
    return new Map<string, StoredConnectionStatus>();
  }
  async attendees() {
    return this.attendeeRows;
  }
}

class ManualTicker {
  ticks: (() => void)[] = [];
  every(ms: number, tick: () => void) {
    expect(ms).toBe(ROOM_REVIEW_MS);
    this.ticks.push(tick);
    return () => undefined;
  }
  after() {
    return () => undefined;
  }
}

let store: MemoryTransitions;
let events: DomainEventBus;
let ticker: ManualTicker;
let clock: { startedAt: Date | null; pausedAt: Date | null; pausedTotalMs: number };
let changed: string[];
let paces: DomainEvents['pace.changed'][];
let progress: ProgressService;

/** A result; failing with an exit code when given one (its reason a code, stored in English). */
const result = (checkId: string, status: CheckResult['status'], exitCode?: number): CheckResult => ({
  checkId,
  status,
  reason: exitCode === undefined ? null : { code: 'check.exit_code_command', values: { exitCode, command: 'false' } },
  output: null,
});

beforeEach(async () => {
  vi.useFakeTimers({ now: T0 });
  store = new MemoryTransitions();
  events = new DomainEventBus();
  ticker = new ManualTicker();
  clock = { startedAt: null, pausedAt: null, pausedTotalMs: 0 };
  const workshops = {
    workshop: { id: 'w', definition, joinCode: 'ABCDEF', runId: 'w-run-1', runNumber: 1 },
    stepIdOfCheck: new Map([
      ['a', 'one'],
      ['b', 'two'],
    ]),
    clock: async () => clock,
  } as unknown as WorkshopsService;
  progress = new ProgressService(loadConfig({}, '/tmp'), store as unknown as TransitionStore, workshops, events, ticker as unknown as Ticker);
  changed = [];
  paces = [];
  events.on('progress.changed', ({ attendeeId }) => changed.push(attendeeId));
  events.on('pace.changed', (pace) => paces.push(pace));
  await progress.onApplicationBootstrap();
});

afterEach(() => {
  progress.onModuleDestroy();
  vi.useRealTimers();
});

async function review(at: Date): Promise<void> {
  vi.setSystemTime(at);
  for (const tick of ticker.ticks) tick();
  await vi.advanceTimersByTimeAsync(0);
}

describe('ProgressService', () => {
  it('stores a check transition only when the status changes, and announces a new reason without storing it', async () => {
    await progress.recordResults('ada', [result('a', 'fail', 1)], minutes(1));
    await progress.recordResults('ada', [result('a', 'fail', 2)], minutes(2));
    await progress.recordResults('ada', [result('a', 'fail', 2)], minutes(3));
    await progress.recordResults('ada', [result('a', 'pass')], minutes(4));
    expect(store.checks).toEqual([
      { attendeeId: 'ada', checkId: 'a', stepId: 'one', from: null, to: 'fail', reason: 'exit code 1 from `false`' },
      { attendeeId: 'ada', checkId: 'a', stepId: 'one', from: 'fail', to: 'pass', reason: null },
    ]);
    expect(changed).toEqual(['ada', 'ada', 'ada']);
    expect(progress.checksOf('ada').get('a')).toMatchObject({ status: 'pass', since: minutes(4) });
  });

  it('owns step progress: the current step, since when, and the cells a board shows', async () => {
    await progress.recordResults('ada', [result('a', 'fail', 1)], minutes(1));
    // A fresh step whose check fails is working on it (current), not failing, until it has failed longer than it takes to start.
    expect(progress.progressOf('ada')).toMatchObject({ currentStepId: 'one', steps: { one: 'current', two: 'not_yet' }, doneCount: 0 });
    await progress.recordResults('ada', [result('a', 'pass'), result('b', 'fail')], minutes(5));
    expect(progress.progressOf('ada')).toMatchObject({ currentStepId: 'two', currentStepSince: minutes(5).toISOString(), doneCount: 1 });
    await progress.recordConnection('ada', {
      state: 'unreachable',
      reason: 'refused',
      message: { code: 'unreachable.refused' },
      since: minutes(6).toISOString(),
      retries: 0,
    });
    expect(progress.progressOf('ada').cells).toEqual({ one: 'done', two: 'unreachable' });
  });

  it('flags an attendee stuck when the clock alone makes them overdue, and clears it when they move on', async () => {
    await progress.recordResults('ada', [result('a', 'fail')], minutes(0));
    await review(minutes(14));
    expect(progress.progressOf('ada').stuck).toBeNull();
    changed.length = 0;
    await review(minutes(15));
    expect(progress.progressOf('ada').stuck).toEqual({ kind: 'overdue', since: T0.toISOString(), plannedMinutes: 10 });
    expect(changed).toEqual(['ada']);
    await review(minutes(16));
    expect(changed).toEqual(['ada']);
    await progress.recordResults('ada', [result('a', 'pass')], minutes(16));
    expect(progress.progressOf('ada').stuck).toBeNull();
  });

  it('stores connection changes, not the retries in between, and keeps a VM unreachable while it retries', async () => {
    const since = minutes(1).toISOString();
    await progress.recordConnection('ada', { state: 'connecting', reason: null, message: null, since, retries: 0 });
    await progress.recordConnection('ada', { state: 'connected', reason: null, message: null, since, retries: 0 });
    await progress.recordConnection('ada', { state: 'unreachable', reason: 'timeout', message: { code: 'unreachable.timeout' }, since, retries: 0 });
    await progress.recordConnection('ada', { state: 'connecting', reason: null, message: null, since, retries: 0 });
    await progress.recordConnection('ada', { state: 'unreachable', reason: 'timeout', message: { code: 'unreachable.timeout' }, since, retries: 0 });
    expect(progress.connectionOf('ada')).toMatchObject({ state: 'unreachable', reason: 'timeout' });
    expect(store.connections).toEqual([
      { attendeeId: 'ada', from: null, to: { state: 'connected', reason: null } },
      { attendeeId: 'ada', from: 'connected', to: { state: 'unreachable', reason: 'timeout' } },
    ]);
    expect(progress.connectionCounts()).toMatchObject({ unreachable: 1, connected: 0 });
  });

  it('says where the room is against the plan once the clock runs', async () => {
    expect(progress.currentPace()).toBeNull();
    clock = { startedAt: T0, pausedAt: null, pausedTotalMs: 0 };
    await review(minutes(25));
    expect(progress.currentPace()).toEqual({ plannedStepIndex: 1, plannedTalk: null, medianDone: 0, minutesAhead: -15 });
    expect(paces.at(-1)).toEqual({ pace: { plannedStepIndex: 1, plannedTalk: null, medianDone: 0, minutesAhead: -15 } });
  });
});
