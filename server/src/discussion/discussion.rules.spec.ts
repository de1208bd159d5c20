import { describe, expect, it } from 'vitest';
import { extendTimer, formGroups, nextPresenter, pauseTimer, remainingMs, startTimer, validateNoteText } from './discussion.rules';

const members = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `a${i}`, doneCount: i % 3 === 0 ? 7 : 1 }));

describe('formGroups', () => {
  it('splits by count and by size, as even as possible, losing nobody', () => {
    const byCount = formGroups(members(7), { by: 'count', count: 3, strategy: 'random' });
    expect(byCount.map((g) => g.length).sort()).toEqual([2, 2, 3]);
    expect(byCount.flat().sort()).toEqual(
      members(7)
        .map((m) => m.id)
        .sort(),
    );
    expect(formGroups(members(12), { by: 'size', size: 4, strategy: 'random' }).length).toBe(3);
    expect(formGroups([], { by: 'count', count: 3, strategy: 'random' })).toEqual([]);
    expect(formGroups(members(2), { by: 'count', count: 5, strategy: 'random' }).length).toBe(2);
  });

  it('mixed progress spreads those who finished across groups', () => {
    const finished = new Set(
      members(9)
        .filter((m) => m.doneCount === 7)
        .map((m) => m.id),
    );
    const groups = formGroups(members(9), { by: 'count', count: 3, strategy: 'mixed' });
    expect(groups.map((g) => g.filter((id) => finished.has(id)).length)).toEqual([1, 1, 1]);
  });
});

describe('timers', () => {
  const t = (s: number) => new Date(1_000_000 + s * 1000);
  it('counts down while running, holds while paused, and extends', () => {
    let timer = { durationMs: 60_000, elapsedMs: 0, startedAt: null as Date | null };
    expect(remainingMs(timer, t(100))).toBe(60_000);
    timer = startTimer(timer, t(0));
    expect(remainingMs(timer, t(10))).toBe(50_000);
    timer = pauseTimer(timer, t(10));
    expect(remainingMs(timer, t(500))).toBe(50_000);
    timer = extendTimer(startTimer(timer, t(500)), 30_000);
    expect(remainingMs(timer, t(520))).toBe(60_000);
    expect(remainingMs(timer, t(9999))).toBe(0);
  });
});

describe('nextPresenter', () => {
  const groups = [
    { id: 'a', position: 0, presented: false, skipped: false },
    { id: 'b', position: 1, presented: false, skipped: true },
    { id: 'c', position: 2, presented: false, skipped: false },
  ];
  it('goes in order, passes over skipped and presented groups, and ends', () => {
    expect(nextPresenter(groups, null)).toBe('a');
    expect(nextPresenter(groups, 'a')).toBe('c');
    expect(
      nextPresenter(
        groups.map((g) => (g.id === 'a' ? { ...g, presented: true } : g)),
        'c',
      ),
    ).toBe(null);
  });
});

describe('validateNoteText', () => {
  it('refuses empty, oversized and control characters; keeps script tags as text', () => {
    expect(validateNoteText('  ')).toMatchObject({ ok: false });
    expect(validateNoteText('x'.repeat(1001))).toEqual({
      ok: false,
      error: 'a note is at most 1000 characters (this one has 1001)',
      coded: { code: 'note.too_long', values: { max: 1000, length: 1001 } },
    });
    expect(validateNoteText('bell\u0007')).toMatchObject({ ok: false, coded: { code: 'note.control' } });
    expect(validateNoteText('a\u200bb')).toMatchObject({
      ok: false,
      error: 'the note contains invisible or direction-changing characters',
      coded: { code: 'form.text_problem', values: { subject: 'note', problem: 'invisible' } },
    });
    expect(validateNoteText(42)).toMatchObject({ ok: false });
    expect(validateNoteText('<script>alert(1)</script>')).toEqual({ ok: true, text: '<script>alert(1)</script>' });
    expect(validateNoteText('two\r\nlines')).toEqual({ ok: true, text: 'two\nlines' });
  });
});
