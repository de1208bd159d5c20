import { describe, expect, it } from 'vitest';
import { replayAttendee } from './replay';
import type { RunRecord, TransitionRecord } from './run-record';

const at = (minute: number) => Date.UTC(2026, 0, 1, 10, minute);
const STEPS: RunRecord['steps'] = [
  { id: 'a', title: 'A', minutes: 5, hint: '', checks: [{ id: 'a1', title: 'a1', failure: null, sticky: true }] },
  { id: 'bonus', title: 'Bonus', minutes: 5, hint: '', optional: true, checks: [{ id: 'x1', title: 'x1', failure: null }] },
  { id: 'b', title: 'B', minutes: 5, hint: '', checks: [{ id: 'b1', title: 'b1', failure: null }] },
];
const check = (checkId: string, to: string, minute: number): TransitionRecord => ({ attendeeId: 'ada', checkId, to, reason: null, at: at(minute) });
const attendee = { id: 'ada', name: 'Ada', registeredAt: at(0) };

describe('replay with format version 2 steps', () => {
  it('a sticky check that passed keeps its step done; an optional step is never the current one nor counted', () => {
    const replay = replayAttendee(
      attendee,
      STEPS,
      [
        { attendeeId: 'ada', checkId: null, to: 'connected', reason: null, at: at(0) },
        check('a1', 'fail', 1),
        check('x1', 'fail', 1),
        check('b1', 'fail', 1),
        check('a1', 'pass', 3),
        check('a1', 'fail', 6),
      ],
      at(0),
      at(10),
    );
    expect(replay.firstDoneAt[0]).toBe(at(3));
    // After a1 went back to fail at minute 6, step a is still done: the attendee stays on b (index 2), one step done.
    expect(replay.endCurrent).toBe(2);
    expect(replay.points.at(-1)).toMatchObject({ current: 2, doneCount: 1 });
    expect(replay.arrivedAt[1]).toBeNull();
  });
});
