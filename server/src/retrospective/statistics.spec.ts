import { describe, expect, it } from 'vitest';
import type { RunSummaryView } from '../contract/retrospective';
import type { RunRecord, TransitionRecord } from './run-record';
import { histogram, quantile, retrospective } from './statistics';

const at = (hour: number, minute: number) => Date.UTC(2026, 0, 1, hour, minute);

const RUN: RunSummaryView = {
  id: 'w-run-1',
  number: 1,
  workshopId: 'w',
  title: 'W',
  startedAt: new Date(at(9, 50)).toISOString(),
  archivedAt: new Date(at(10, 30)).toISOString(),
  active: false,
  version: { revision: 1, hash: 'abc' },
  attendance: { registered: 7, connected: 6 },
  shared: false,
  sharePath: null,
};

const STEPS: RunRecord['steps'] = [
  {
    id: 'a',
    title: 'Step A',
    minutes: 5,
    hint: 'Do A.',
    checks: [
      { id: 'a1', title: 'A one', failure: null },
      { id: 'a2', title: 'A two', failure: 'Make A two.' },
    ],
  },
  { id: 'b', title: 'Step B', minutes: 10, hint: 'Build B.', checks: [{ id: 'b1', title: 'B built', failure: 'Run the build.' }] },
  { id: 'c', title: 'Step C', minutes: 5, hint: 'See C.', checks: [{ id: 'c1', title: 'C seen', failure: null }] },
];

const check = (attendeeId: string, checkId: string, to: string, time: number, reason: string | null = null): TransitionRecord => ({
  attendeeId,
  checkId,
  to,
  reason,
  at: time,
});
const vm = (attendeeId: string, to: 'connected' | 'unreachable', time: number, reason: string | null = null): TransitionRecord => ({
  attendeeId,
  checkId: null,
  to,
  reason,
  at: time,
});

/**
 * Seven attendees, each with a history that exercises one rule: Ada does it all (registered before the clock);
 * Tie has two checks change in one probe; Ooo does step C before A and B; Gap's VM drops out for four minutes
 * mid-step; Leaver's VM goes for good; Ghost never connects; Slow registers late and never finishes A.
 */
function record(transitions?: TransitionRecord[]): RunRecord {
  return {
    run: RUN,
    steps: STEPS,
    discussion: { prompt: 'Where would this help?', minutes: 10, presentationMinutes: 3 },
    clockStartedAt: at(10, 0),
    endAt: at(10, 30),
    attendees: [
      { id: 'ada', name: 'Ada', registeredAt: at(9, 55) },
      { id: 'tie', name: 'Tie', registeredAt: at(9, 58) },
      { id: 'ooo', name: 'Ooo', registeredAt: at(9, 58) },
      { id: 'gap', name: 'Gap', registeredAt: at(9, 58) },
      { id: 'leaver', name: 'Leaver', registeredAt: at(9, 58) },
      { id: 'ghost', name: 'Ghost', registeredAt: at(10, 1) },
      { id: 'slow', name: 'Slow', registeredAt: at(10, 10) },
    ],
    transitions: transitions ?? HISTORY,
    help: [
      { attendeeId: 'ada', message: 'B fails', raisedAt: at(10, 6), acknowledgedAt: at(10, 8), acknowledgedBy: 'Sam', resolvedAt: at(10, 10) },
      { attendeeId: 'slow', message: '', raisedAt: at(10, 20), acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null },
    ],
    groups: [
      {
        name: 'Group 1',
        position: 0,
        presented: true,
        skipped: false,
        memberIds: ['ada', 'tie'],
        notes: [{ author: 'Ada', text: 'Trace slow SQL' }],
        presentationStartedAt: at(10, 25),
        presentationEndedAt: at(10, 28),
      },
      { name: 'Group 2', position: 1, presented: false, skipped: false, memberIds: ['ooo'], notes: [], presentationStartedAt: null, presentationEndedAt: null },
    ],
    discussionTimer: { durationMs: 10 * 60_000, elapsedMs: 5 * 60_000, startedAt: null },
  };
}

const HISTORY: TransitionRecord[] = [
  vm('ada', 'connected', at(9, 56)),
  check('ada', 'a1', 'pass', at(10, 4)),
  check('ada', 'a2', 'pass', at(10, 4)),
  check('ada', 'b1', 'fail', at(10, 4), 'exit 1'),
  check('ada', 'b1', 'pass', at(10, 16)),
  check('ada', 'c1', 'pass', at(10, 20)),

  vm('tie', 'connected', at(10, 0)),
  check('tie', 'a1', 'pass', at(10, 2)),
  // One probe: a2 passes and a1 fails at the same moment; step A was never done in between.
  check('tie', 'a2', 'pass', at(10, 5)),
  check('tie', 'a1', 'fail', at(10, 5), 'flaky'),
  check('tie', 'a1', 'pass', at(10, 7)),

  vm('ooo', 'connected', at(10, 0)),
  check('ooo', 'c1', 'pass', at(10, 3)),
  check('ooo', 'a1', 'pass', at(10, 5)),
  check('ooo', 'a2', 'pass', at(10, 5)),
  check('ooo', 'b1', 'pass', at(10, 10)),

  vm('gap', 'connected', at(10, 0)),
  check('gap', 'a1', 'pass', at(10, 2)),
  check('gap', 'a2', 'pass', at(10, 2)),
  check('gap', 'b1', 'fail', at(10, 2), 'no file'),
  vm('gap', 'unreachable', at(10, 5), 'timeout'),
  vm('gap', 'connected', at(10, 9)),
  check('gap', 'b1', 'pass', at(10, 12)),

  vm('leaver', 'connected', at(10, 0)),
  check('leaver', 'a1', 'pass', at(10, 3)),
  check('leaver', 'a2', 'pass', at(10, 3)),
  check('leaver', 'b1', 'fail', at(10, 3), 'no file'),
  vm('leaver', 'unreachable', at(10, 10), 'refused'),

  vm('ghost', 'unreachable', at(10, 1), 'auth_rejected'),

  vm('slow', 'connected', at(10, 10)),
  check('slow', 'a1', 'pass', at(10, 12)),
  check('slow', 'a2', 'fail', at(10, 12), 'missing'),
];

describe('retrospective: steps', () => {
  const retro = retrospective(record());
  const step = (id: string) => retro.steps.find((s) => s.id === id)!;

  it('measures each step from arrival to first done, from the clock start for those who registered before it', () => {
    // A: Ada 4 (10:00 → 10:04, not from her 9:56 connection), Tie 7, Ooo 5, Gap 2, Leaver 3.
    expect(step('a')).toMatchObject({ reached: 6, finished: 5, gaveUp: 1, left: 0, neverReached: 1, medianMinutes: 4, p90Minutes: 6.2 });
    // Tie 7 is 2 over; Slow has been on it 20 minutes without finishing: 15 over.
    expect(step('a')).toMatchObject({ overPlan: 2, overPlanMinutes: 17 });
  });

  it('two checks changing at the same moment are judged together: a step is not done in between', () => {
    // Were the 10:05 changes applied one by one, Tie's step A would be done at 10:05 for an instant (5 min, not 7).
    const single = retrospective({
      ...record(HISTORY.filter((t) => t.attendeeId === 'tie')),
      attendees: [{ id: 'tie', name: 'Tie', registeredAt: at(9, 58) }],
    });
    expect(single.steps[0]).toMatchObject({ finished: 1, medianMinutes: 7 });
    expect(single.stuckChecks.map((c) => [c.checkId, c.minutes, c.reasons[0].reason])).toEqual([['a1', 2, 'flaky']]);
  });

  it('a step done out of order counts as finished (done ahead) and stays out of the time figures', () => {
    expect(step('c')).toMatchObject({ reached: 3, finished: 2, doneAhead: 1, gaveUp: 1, medianMinutes: 4, p90Minutes: 4 });
    // Ooo's A and B are measured as usual: B from A's first done (10:05) to 10:10.
    expect(step('b').medianMinutes).toBe(10);
  });

  it('an unreachable gap counts as time on the step, but not as time a check failed', () => {
    // B: Ada 12, Ooo 5, Gap 10 (10:02 → 10:12 with 4 minutes unreachable in between).
    expect(step('b')).toMatchObject({ reached: 5, finished: 3, medianMinutes: 10, p90Minutes: 11.6 });
    const b1 = retro.stuckChecks.find((c) => c.checkId === 'b1')!;
    // Ada 12 + Gap 6 (3 before and 3 after the gap) + Leaver 7 (until the VM went).
    expect(b1).toMatchObject({ minutes: 25, attendees: 3, failure: 'Run the build.', hint: 'Build B.' });
    expect(b1.reasons).toEqual([
      { reason: 'no file', attendees: 2, minutes: 13 },
      { reason: 'exit 1', attendees: 1, minutes: 12 },
    ]);
  });

  it('attendees who left are counted apart from those who ran out of time', () => {
    // B: Tie is still on it, connected (gave up); Leaver's VM went away at 10:10 and never came back (left).
    expect(step('b')).toMatchObject({ gaveUp: 1, left: 1, overPlan: 3, overPlanMinutes: 32 });
    expect(retro.attendance).toEqual({ registered: 7, connected: 6, finishedAll: 2, neverConnected: 1, left: 1 });
  });

  it('the histogram bins the time to complete with the plan inside its range', () => {
    expect(step('b').histogram).toEqual({ binMinutes: 2, counts: [0, 0, 1, 0, 0, 2] });
  });
});

describe('retrospective: stuck, unreachable, hands, discussion', () => {
  const retro = retrospective(record());

  it('ranks checks by attendee-minutes not passing while their step was current', () => {
    expect(retro.stuckChecks.map((c) => [c.checkId, c.minutes, c.attendees])).toEqual([
      ['b1', 25, 3],
      ['a2', 18, 1],
      ['a1', 2, 1],
    ]);
  });

  it('unreachable minutes per attendee and why, with who never connected and who left', () => {
    expect(retro.unreachable.totalMinutes).toBe(53);
    expect(retro.unreachable.byReason).toEqual({ auth_rejected: 29, refused: 20, timeout: 4 });
    expect(retro.unreachable.attendees.map((a) => [a.name, a.minutes, a.episodes, a.neverConnected, a.leftAt])).toEqual([
      ['Ghost', 29, 1, true, null],
      ['Leaver', 20, 1, false, new Date(at(10, 10)).toISOString()],
      ['Gap', 4, 1, false, null],
    ]);
  });

  it('hands raised per step, and the wait until On my way', () => {
    const b = retro.help.perStep.find((s) => s.stepId === 'b')!;
    const a = retro.help.perStep.find((s) => s.stepId === 'a')!;
    expect(b).toMatchObject({ raised: 1, acknowledged: 1, medianWaitMinutes: 2, unanswered: 0 });
    expect(a).toMatchObject({ raised: 1, acknowledged: 0, medianWaitMinutes: null, unanswered: 1 });
    expect(retro.help.raised).toBe(2);
  });

  it('who went to each hand, and how long those attendees had waited', () => {
    expect(retro.help.requests.map((r) => [r.name, r.acknowledgedBy, r.waitMinutes])).toEqual([
      ['Ada', 'Sam', 2],
      ['Slow', null, null],
    ]);
    expect(retro.help.answerers).toEqual([{ name: 'Sam', answered: 1, medianWaitMinutes: 2 }]);
  });

  it('answerers: most answered first, and an archive without names has none', () => {
    const hand = (attendeeId: string, minute: number, wait: number, by: string | null) => ({
      attendeeId,
      message: '',
      raisedAt: at(10, minute),
      acknowledgedAt: at(10, minute + wait),
      acknowledgedBy: by,
      resolvedAt: null,
    });
    const help = [hand('ada', 5, 1, 'Navigator'), hand('tie', 6, 3, 'Sam'), hand('ooo', 7, 5, 'Sam'), hand('gap', 8, 2, null)];
    expect(retrospective({ ...record(), help }).help.answerers).toEqual([
      { name: 'Sam', answered: 2, medianWaitMinutes: 4 },
      { name: 'Navigator', answered: 1, medianWaitMinutes: 1 },
    ]);
  });

  it('the discussion: time used against the plan, per group, and who never presented', () => {
    expect(retro.discussion).toMatchObject({ plannedMinutes: 10, usedMinutes: 5, presentationPlannedMinutes: 3, notPresented: 1 });
    expect(retro.discussion.groups.map((g) => [g.name, g.members, g.presentationMinutes])).toEqual([
      ['Group 1', ['Ada', 'Tie'], 3],
      ['Group 2', ['Ooo'], null],
    ]);
  });

  it('names the step to fix first: the most attendee-minutes over plan', () => {
    expect(retro.fixFirst.map((f) => [f.stepId, f.overPlanMinutes, f.gaveUpOrLeft, f.hands, f.worstCheck])).toEqual([
      ['b', 32, 2, 1, 'B built'],
      ['a', 17, 1, 1, 'A two'],
      ['c', 13, 1, 0, null],
    ]);
  });
});

describe('retrospective: the room over time', () => {
  const room = retrospective(record()).room;
  const countsAt = (minute: number) => {
    const i = room.minutes.indexOf(minute);
    return Object.fromEntries(room.series.map((s) => [s.key, s.counts[i]]));
  };

  it('counts attendees per step along the clock, late registrations from when they came', () => {
    expect(room.minutes[0]).toBe(0);
    expect(room.minutes[room.minutes.length - 1]).toBe(30);
    // 10:00: five on A; Ghost and Slow have not registered yet.
    expect(countsAt(0)).toEqual({ a: 5, b: 0, c: 0, finished: 0, 'not-connected': 0 });
    // 10:15: Slow on A; Ada, Tie and Leaver on B; Gap on C; Ooo done; Ghost never connected.
    expect(countsAt(15)).toEqual({ a: 1, b: 3, c: 1, finished: 1, 'not-connected': 1 });
    expect(room.unreachable[room.minutes.indexOf(15)]).toBe(2);
    // Steps done then: 0, 0, 1, 1, 1, 2, 3.
    expect(room.medianDone[room.minutes.indexOf(15)]).toBe(1);
  });

  it('draws the plan over it', () => {
    expect(room.planned.map((p) => [p.stepId, p.startMinute, p.endMinute])).toEqual([
      ['a', 0, 5],
      ['b', 5, 15],
      ['c', 15, 20],
    ]);
    expect(room.plannedDone[room.minutes.indexOf(15)]).toBe(2);
    expect(room.clockStarted).toBe(true);
  });

  it('follows the agenda: a talk in the middle moves the steps after it later, and is no step done', () => {
    const agenda: RunRecord['agenda'] = [
      { id: 'a', title: 'Step A', minutes: 5, kind: 'step' },
      { id: 'why', title: 'Why B', minutes: 10, kind: 'talk' },
      { id: 'b', title: 'Step B', minutes: 10, kind: 'step' },
      { id: 'c', title: 'Step C', minutes: 5, kind: 'optional' },
    ];
    const withTalk = retrospective({ ...record(), agenda }).room;
    expect(withTalk.planned.map((p) => [p.stepId, p.title, p.startMinute, p.endMinute])).toEqual([
      ['a', 'Step A', 0, 5],
      ['why', 'Talk — Why B', 5, 15],
      ['b', 'Step B', 15, 25],
      ['c', 'Step C', 25, 30],
    ]);
    const plannedDoneAt = (minute: number) => withTalk.plannedDone[withTalk.minutes.indexOf(minute)];
    // The talk and the optional step C are not steps the median attendee counts.
    expect([plannedDoneAt(5), plannedDoneAt(15), plannedDoneAt(20), plannedDoneAt(25), plannedDoneAt(30)]).toEqual([1, 1, 1, 2, 2]);
  });
});

describe('retrospective: robustness', () => {
  it('transitions stored out of time order give the same figures (ties keep their stored order)', () => {
    const byTime = new Map<number, TransitionRecord[]>();
    for (const t of HISTORY) byTime.set(t.at, [...(byTime.get(t.at) ?? []), t]);
    const shuffled = [...byTime.values()].reverse().flat();
    expect(retrospective(record(shuffled))).toEqual(retrospective(record()));
  });

  it('without a clock the zero is the first registration', () => {
    const retro = retrospective({ ...record(), clockStartedAt: null });
    expect(retro.window.zeroAt).toBe(new Date(at(9, 55)).toISOString());
    expect(retro.room.clockStarted).toBe(false);
    // Ada's A now counts from her registration (9:55) to 10:04.
    expect(retro.steps[0].p90Minutes).toBeGreaterThan(6.2);
  });

  it('an empty run has figures, not errors', () => {
    const retro = retrospective({ ...record([]), attendees: [], help: [], groups: [], discussionTimer: null });
    expect(retro.attendance.registered).toBe(0);
    expect(retro.steps[0]).toMatchObject({ reached: 0, medianMinutes: null, histogram: { binMinutes: 1, counts: [0, 0, 0, 0, 0] } });
    expect(retro.fixFirst).toEqual([]);
    expect(retro.discussion.usedMinutes).toBeNull();
  });

  it('a check the workshop no longer has is ignored', () => {
    const retro = retrospective(record([...HISTORY, check('ada', 'gone', 'fail', at(10, 21), 'old')]));
    expect(retro.stuckChecks.some((c) => c.checkId === 'gone')).toBe(false);
  });
});

describe('quantile and histogram', () => {
  it('interpolates between ranks', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([3], 0.9)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 1, 5], 0.9)).toBeCloseTo(9);
  });

  it('puts values above the range in the last bin', () => {
    expect(histogram([0, 0.9, 1, 7.99, 8], 8)).toEqual({ binMinutes: 1, counts: [2, 1, 0, 0, 0, 0, 0, 2] });
  });
});
