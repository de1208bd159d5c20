import { describe, expect, it } from 'vitest';
import { diffResults, type KnownCheck } from './transitions';

describe('diffResults', () => {
  const t0 = new Date('2026-01-01T10:00:00Z');
  const t1 = new Date('2026-01-01T10:00:05Z');

  it('records the first status and then only changes', () => {
    const exit = (exitCode: number) => ({ code: 'check.exit_code_output', values: { exitCode, output: 'no' } }) as const;
    const first = diffResults(new Map(), [{ checkId: 'a', status: 'fail', reason: exit(1), output: '' }], t0);
    // Stored history keeps the reason in English (the retrospective, exports and archives read it).
    expect(first.transitions).toEqual([{ checkId: 'a', from: null, to: 'fail', reason: 'exit code 1: no', at: t0 }]);
    const same = diffResults(first.next, [{ checkId: 'a', status: 'fail', reason: exit(2), output: '' }], t1);
    expect(same.transitions).toEqual([]);
    expect(same.next.get('a')).toMatchObject({ reason: exit(2), since: t0 });
    const passed = diffResults(same.next, [{ checkId: 'a', status: 'pass', reason: null, output: 'ok' }], t1);
    expect(passed.transitions).toEqual([{ checkId: 'a', from: 'fail', to: 'pass', reason: null, at: t1 }]);
    expect((passed.next.get('a') as KnownCheck).since).toBe(t1);
  });
});
