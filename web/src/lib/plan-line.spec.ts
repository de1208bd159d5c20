import { describe, expect, it } from 'vitest';
import { pace } from '../../../server/src/progress/pace';
import { planLine } from './plan-line';

describe('planLine', () => {
  const agenda = [
    { id: 'a', title: 'Install the packages', minutes: 10 },
    { id: 'why', title: 'Why eBPF', minutes: 15, kind: 'talk' as const },
    { id: 'b', title: 'Build the probes', minutes: 10 },
  ];
  const steps = agenda.filter((item) => item.kind !== 'talk');
  const planAt = (minutes: number) => planLine(pace(minutes * 60_000, agenda, [0]), steps);

  it('names the talk while the agenda is in one, not the step after it', () => {
    expect(planAt(5)).toBe('Install the packages');
    expect(planAt(12)).toBe('Talk — Why eBPF');
    expect(planAt(26)).toBe('Build the probes');
    expect(planAt(40)).toBe('finished');
  });
});
