import type {
  DiscussionRetroView,
  FixFirstView,
  HelpAnswererView,
  HelpRequestRetroView,
  HelpStepView,
  HistogramView,
  RetrospectiveView,
  RoomOverTimeView,
  StepStatView,
  StuckCheckView,
  UnreachableAttendeeView,
} from '../contract/retrospective';
import { NOT_STARTED, replayAttendee, replayPlan, stateAt, type AttendeeReplay } from './replay';
import type { AgendaRecord } from './run-record';
import type { AttendeeRecord, PlannedStepRecord, RunRecord, TransitionRecord } from './run-record';

const MINUTE = 60_000;
/** The room chart has at most about this many points, whatever the run's length. */
const ROOM_POINTS = 240;
const NICE_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
const NICE_MINUTES = [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120];

/** The whole retrospective of a run: every figure the page, the exports and the comparison show. */
export function retrospective(record: RunRecord, generatedAt: number = record.endAt): RetrospectiveView {
  const zeroAt = zeroOf(record);
  const replays = replayAll(record, zeroAt);
  const steps = stepStats(record.steps, replays);
  const stuckChecks = stuckCheckStats(record.steps, replays);
  const help = helpStats(record, replays);
  const unreachable = unreachableStats(replays);
  return {
    run: record.run,
    generatedAt: new Date(generatedAt).toISOString(),
    window: { zeroAt: iso(zeroAt), endAt: iso(record.endAt), minutes: round((record.endAt - zeroAt) / MINUTE), clockStarted: record.clockStartedAt !== null },
    attendance: {
      registered: replays.length,
      connected: replays.filter((r) => r.everConnected).length,
      finishedAll: replays.filter((r) => r.firstDoneAt.every((at) => at !== null)).length,
      neverConnected: replays.filter((r) => !r.everConnected).length,
      left: replays.filter((r) => r.leftAt !== null).length,
    },
    fixFirst: fixFirst(steps, stuckChecks, help.perStep),
    steps,
    stuckChecks,
    unreachable,
    help,
    room: roomOverTime(record, replays, zeroAt),
    discussion: discussionStats(record),
  };
}

/** Only the room-over-time chart: what the board shows live. */
export function liveRoom(record: RunRecord): RoomOverTimeView {
  const zeroAt = zeroOf(record);
  return roomOverTime(record, replayAll(record, zeroAt), zeroAt);
}

/** The run's zero: the workshop clock's start, else the first registration, else the run's start. */
export function zeroOf(record: RunRecord): number {
  if (record.clockStartedAt !== null) return record.clockStartedAt;
  const first = Math.min(...record.attendees.map((a) => a.registeredAt));
  return Number.isFinite(first) ? first : Date.parse(record.run.startedAt);
}

function replayAll(record: RunRecord, zeroAt: number): AttendeeReplay[] {
  const byAttendee = new Map<string, TransitionRecord[]>(record.attendees.map((a) => [a.id, []]));
  for (const t of record.transitions) byAttendee.get(t.attendeeId)?.push(t);
  const plan = replayPlan(record.steps);
  return record.attendees.map((attendee: AttendeeRecord) => replayAttendee(attendee, plan, byAttendee.get(attendee.id)!, zeroAt, record.endAt));
}

// ── steps ────────────────────────────────────────────────────────────────────

export function stepStats(steps: readonly PlannedStepRecord[], replays: readonly AttendeeReplay[]): StepStatView[] {
  return steps.map((step, i) => {
    const planned = step.minutes;
    const durations: number[] = [];
    let reached = 0;
    let finished = 0;
    let doneAhead = 0;
    let gaveUp = 0;
    let left = 0;
    let overPlan = 0;
    let overPlanMinutes = 0;
    for (const r of replays) {
      const done = r.firstDoneAt[i] !== null;
      if (r.arrivedAt[i] === null && !done) continue;
      reached += 1;
      // Finished in order: the time to complete. Unfinished: the time on it so far, all of it over the plan's end.
      let minutes = r.msBeforeDone[i] / MINUTE;
      if (done) {
        finished += 1;
        if (r.doneAhead[i]) {
          doneAhead += 1;
          minutes = 0;
        } else durations.push(minutes);
      } else if (r.endUnreachable && r.leftAt !== null) left += 1;
      else gaveUp += 1;
      if (minutes > planned) {
        overPlan += 1;
        overPlanMinutes += minutes - planned;
      }
    }
    return {
      id: step.id,
      title: step.title,
      plannedMinutes: planned,
      reached,
      finished,
      doneAhead,
      gaveUp,
      left,
      neverReached: replays.length - reached,
      medianMinutes: roundOrNull(quantile(durations, 0.5)),
      p90Minutes: roundOrNull(quantile(durations, 0.9)),
      overPlan,
      overPlanMinutes: round(overPlanMinutes),
      histogram: histogram(durations, planned),
      hint: step.hint,
    };
  });
}

/** Linear interpolation between closest ranks (R's type 7); null for no values. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** About eight bins of a round width, wide enough to show both the slowest attendee and the plan. */
export function histogram(minutes: readonly number[], plannedMinutes: number): HistogramView {
  const top = Math.max(plannedMinutes, ...minutes, 0);
  const binMinutes = NICE_MINUTES.find((width) => width >= top / 8) ?? Math.ceil(top / 8 / 60) * 60;
  const bins = Math.max(1, Math.ceil(top / binMinutes));
  const counts = Array.from({ length: bins }, () => 0);
  for (const value of minutes) counts[Math.min(bins - 1, Math.floor(value / binMinutes))] += 1;
  return { binMinutes, counts };
}

// ── where people got stuck ───────────────────────────────────────────────────

export function stuckCheckStats(steps: readonly PlannedStepRecord[], replays: readonly AttendeeReplay[]): StuckCheckView[] {
  const views: StuckCheckView[] = [];
  for (const step of steps) {
    for (const check of step.checks) {
      let ms = 0;
      let attendees = 0;
      const reasons = new Map<string, { ms: number; attendees: number }>();
      for (const r of replays) {
        const mine = r.stuckMs.get(check.id) ?? 0;
        if (mine <= 0) continue;
        ms += mine;
        attendees += 1;
        for (const [reason, reasonMs] of r.stuckByReason.get(check.id) ?? []) {
          const entry = reasons.get(reason) ?? { ms: 0, attendees: 0 };
          entry.ms += reasonMs;
          entry.attendees += 1;
          reasons.set(reason, entry);
        }
      }
      if (ms <= 0) continue;
      views.push({
        checkId: check.id,
        title: check.title,
        stepId: step.id,
        stepTitle: step.title,
        minutes: round(ms / MINUTE),
        attendees,
        reasons: [...reasons]
          .map(([reason, entry]) => ({ reason, attendees: entry.attendees, minutes: round(entry.ms / MINUTE) }))
          .sort((a, b) => b.attendees - a.attendees || b.minutes - a.minutes)
          .slice(0, 5),
        failure: check.failure,
        hint: step.hint,
      });
    }
  }
  return views.sort((a, b) => b.minutes - a.minutes || b.attendees - a.attendees);
}

export function unreachableStats(replays: readonly AttendeeReplay[]): RetrospectiveView['unreachable'] {
  const byReason: Record<string, number> = {};
  const attendees: UnreachableAttendeeView[] = [];
  let total = 0;
  for (const r of replays) {
    const ms = [...r.unreachableByReason.values()].reduce((sum, v) => sum + v, 0);
    if (ms <= 0 && r.everConnected) continue;
    total += ms;
    const mine: Record<string, number> = {};
    for (const [reason, reasonMs] of r.unreachableByReason) {
      mine[reason] = round(reasonMs / MINUTE);
      byReason[reason] = (byReason[reason] ?? 0) + reasonMs;
    }
    attendees.push({
      attendeeId: r.attendee.id,
      name: r.attendee.name,
      minutes: round(ms / MINUTE),
      byReason: mine,
      episodes: r.unreachableEpisodes,
      neverConnected: !r.everConnected,
      leftAt: r.leftAt === null ? null : iso(r.leftAt),
    });
  }
  return {
    totalMinutes: round(total / MINUTE),
    byReason: Object.fromEntries(Object.entries(byReason).map(([reason, ms]) => [reason, round(ms / MINUTE)])),
    attendees: attendees.sort((a, b) => b.minutes - a.minutes || a.name.localeCompare(b.name)),
  };
}

// ── hands ────────────────────────────────────────────────────────────────────

export function helpStats(record: RunRecord, replays: readonly AttendeeReplay[]): RetrospectiveView['help'] {
  const replayOf = new Map(replays.map((r) => [r.attendee.id, r]));
  const n = record.steps.length;
  const keyOf = (current: number) => (current === NOT_STARTED ? 'before' : current >= n ? 'finished' : record.steps[current].id);
  const waits = new Map<string, { raised: number; waits: number[]; unanswered: number }>();
  const requests: HelpRequestRetroView[] = [];
  for (const request of [...record.help].sort((a, b) => a.raisedAt - b.raisedAt)) {
    const replay = replayOf.get(request.attendeeId);
    if (!replay) continue;
    const stepId = keyOf(stateAt(replay.points, request.raisedAt)?.current ?? NOT_STARTED);
    const entry = waits.get(stepId) ?? { raised: 0, waits: [], unanswered: 0 };
    entry.raised += 1;
    const wait = request.acknowledgedAt === null ? null : Math.max(0, request.acknowledgedAt - request.raisedAt) / MINUTE;
    if (wait === null) entry.unanswered += 1;
    else entry.waits.push(wait);
    waits.set(stepId, entry);
    requests.push({
      name: replay.attendee.name,
      stepId,
      raisedAt: iso(request.raisedAt),
      waitMinutes: roundOrNull(wait),
      message: request.message,
      acknowledgedBy: wait === null ? null : (request.acknowledgedBy ?? null),
    });
  }
  const row = (stepId: string, title: string): HelpStepView => {
    const entry = waits.get(stepId) ?? { raised: 0, waits: [], unanswered: 0 };
    return {
      stepId,
      title,
      raised: entry.raised,
      acknowledged: entry.waits.length,
      medianWaitMinutes: roundOrNull(quantile(entry.waits, 0.5)),
      p90WaitMinutes: roundOrNull(quantile(entry.waits, 0.9)),
      maxWaitMinutes: entry.waits.length ? round(Math.max(...entry.waits)) : null,
      unanswered: entry.unanswered,
    };
  };
  const perStep = [
    ...(waits.has('before') ? [row('before', 'Before connecting')] : []),
    ...record.steps.map((step) => row(step.id, step.title)),
    ...(waits.has('finished') ? [row('finished', 'After finishing')] : []),
  ];
  return { raised: requests.length, perStep, requests, answerers: answerersOf(requests) };
}

/** Who went to the hands, most answered first; an archive from before names were kept has none. */
function answerersOf(requests: readonly HelpRequestRetroView[]): HelpAnswererView[] {
  const waitsBy = new Map<string, number[]>();
  for (const request of requests) {
    if (request.acknowledgedBy === null || request.waitMinutes === null) continue;
    waitsBy.set(request.acknowledgedBy, [...(waitsBy.get(request.acknowledgedBy) ?? []), request.waitMinutes]);
  }
  return [...waitsBy]
    .map(([name, waits]) => ({ name, answered: waits.length, medianWaitMinutes: roundOrNull(quantile(waits, 0.5)) }))
    .sort((a, b) => b.answered - a.answered || a.name.localeCompare(b.name));
}

// ── the room over time ───────────────────────────────────────────────────────

export function roomOverTime(record: RunRecord, replays: readonly AttendeeReplay[], zeroAt: number): RoomOverTimeView {
  const n = record.steps.length;
  const spanMs = Math.max(0, record.endAt - zeroAt);
  const stepMs = 1000 * (NICE_SECONDS.find((s) => s * 1000 * ROOM_POINTS >= spanMs) ?? Math.ceil(spanMs / ROOM_POINTS / 60_000) * 60);
  const count = Math.floor(spanMs / stepMs) + 1;
  const times = Array.from({ length: count }, (_, i) => zeroAt + i * stepMs);
  if (times[times.length - 1] < record.endAt) times.push(record.endAt);
  const perState = Array.from({ length: n + 2 }, () => times.map(() => 0)); // steps…, finished, not connected yet
  const unreachable = times.map(() => 0);
  // How many attendees have done 0, 1, … n steps at each time: the median is read from these counts.
  const doneCounts = times.map(() => new Int32Array(n + 1));
  for (const replay of replays) {
    let p = -1;
    for (let i = 0; i < times.length; i++) {
      const at = times[i];
      while (p + 1 < replay.points.length && replay.points[p + 1].at <= at) p += 1;
      if (p < 0) continue; // not registered yet
      const point = replay.points[p];
      perState[point.current === NOT_STARTED ? n + 1 : Math.min(point.current, n)][i] += 1;
      if (point.unreachable) unreachable[i] += 1;
      doneCounts[i][point.doneCount] += 1;
    }
  }
  // The plan follows the agenda: a talk takes its minutes on the clock, so the steps after it start later.
  const planned: RoomOverTimeView['planned'] = [];
  const countedStepEnds: number[] = [];
  let start = 0;
  for (const item of agendaOfRecord(record)) {
    const endMinute = start + item.minutes;
    planned.push({ stepId: item.id, title: item.kind === 'talk' ? `Talk — ${item.title}` : item.title, startMinute: start, endMinute });
    if (item.kind === 'step') countedStepEnds.push(endMinute);
    start = endMinute;
  }
  const minutes = times.map((at) => round((at - zeroAt) / MINUTE, 3));
  return {
    zeroAt: iso(zeroAt),
    clockStarted: record.clockStartedAt !== null,
    minutes,
    series: [
      ...record.steps.map((step, i) => ({ key: step.id, label: step.title, counts: perState[i] })),
      { key: 'finished', label: 'Finished', counts: perState[n] },
      { key: 'not-connected', label: 'Not connected yet', counts: perState[n + 1] },
    ],
    unreachable,
    planned,
    medianDone: doneCounts.map(medianOfCounts),
    // Counted as the median's steps are: talks and optional steps left out.
    plannedDone: minutes.map((minute) => countedStepEnds.filter((end) => end <= minute).length),
  };
}

function agendaOfRecord(record: RunRecord): AgendaRecord[] {
  return record.agenda ?? record.steps.map((step) => ({ id: step.id, title: step.title, minutes: step.minutes, kind: step.optional ? 'optional' : 'step' }));
}

/** The median (as `quantile(…, 0.5)` would give it) of values given as counts per value 0…n. */
function medianOfCounts(counts: Int32Array): number {
  const total = counts.reduce((sum, c) => sum + c, 0);
  if (total === 0) return 0;
  const valueAt = (rank: number) => {
    let seen = 0;
    for (let value = 0; value < counts.length; value++) {
      seen += counts[value];
      if (rank < seen) return value;
    }
    return counts.length - 1;
  };
  const position = (total - 1) / 2;
  return (valueAt(Math.floor(position)) + valueAt(Math.ceil(position))) / 2;
}

// ── discussion ───────────────────────────────────────────────────────────────

export function discussionStats(record: RunRecord): DiscussionRetroView {
  const names = new Map(record.attendees.map((a) => [a.id, a.name]));
  const timer = record.discussionTimer;
  const usedMs =
    timer && (timer.elapsedMs > 0 || timer.startedAt !== null)
      ? timer.elapsedMs + (timer.startedAt === null ? 0 : Math.max(0, record.endAt - timer.startedAt))
      : null;
  const groups = [...record.groups]
    .sort((a, b) => a.position - b.position)
    .map((group) => ({
      name: group.name,
      position: group.position,
      members: group.memberIds.map((id) => names.get(id) ?? '?'),
      presented: group.presented,
      skipped: group.skipped,
      presentationMinutes:
        group.presentationStartedAt === null ? null : round(((group.presentationEndedAt ?? record.endAt) - group.presentationStartedAt) / MINUTE),
      notes: group.notes,
    }));
  return {
    prompt: record.discussion.prompt,
    plannedMinutes: record.discussion.minutes,
    usedMinutes: roundOrNull(usedMs === null ? null : usedMs / MINUTE),
    presentationPlannedMinutes: record.discussion.presentationMinutes,
    groups,
    notPresented: groups.filter((g) => !g.presented && !g.skipped && g.presentationMinutes === null).length,
  };
}

// ── what to fix first ────────────────────────────────────────────────────────

/** Steps that cost the room time, most attendee-minutes over plan first; steps that cost nothing are left out. */
export function fixFirst(steps: readonly StepStatView[], stuck: readonly StuckCheckView[], hands: readonly HelpStepView[]): FixFirstView[] {
  return steps
    .map((step) => {
      const checks = stuck.filter((check) => check.stepId === step.id);
      return {
        stepId: step.id,
        title: step.title,
        overPlanMinutes: step.overPlanMinutes,
        stuckMinutes: round(checks.reduce((sum, check) => sum + check.minutes, 0)),
        gaveUpOrLeft: step.gaveUp + step.left,
        hands: hands.find((h) => h.stepId === step.id)?.raised ?? 0,
        worstCheck: checks[0]?.title ?? null,
      };
    })
    .filter((row) => row.overPlanMinutes > 0 || row.stuckMinutes > 0 || row.gaveUpOrLeft > 0 || row.hands > 0)
    .sort((a, b) => b.overPlanMinutes - a.overPlanMinutes || b.gaveUpOrLeft - a.gaveUpOrLeft || b.stuckMinutes - a.stuckMinutes || b.hands - a.hands);
}

// ── helpers ──────────────────────────────────────────────────────────────────

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
