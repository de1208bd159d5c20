import { describe, expect, it } from 'vitest';
import { workshopSchema } from '../workshops/workshop.schema';
import { csvField, stepHistory } from './step-history';

const workshop = workshopSchema.parse({
  id: 'w',
  title: 'W',
  steps: [
    {
      id: 'one',
      title: '1',
      minutes: 5,
      checks: [
        { id: 'a', title: 'a', ssh: { run: 'true' } },
        { id: 'b', title: 'b', ssh: { run: 'true' } },
      ],
    },
    { id: 'two', title: '2', minutes: 5, checks: [{ id: 'c', title: 'c', ssh: { run: 'true' } }] },
    { id: 'three', title: '3', minutes: 5, checks: [{ id: 'd', title: 'd', ssh: { run: 'true' } }] },
  ],
});
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute));

describe('stepHistory', () => {
  it('a step is first done when all its checks pass at once; time is counted from the previous step', () => {
    const rows = stepHistory(
      workshop,
      [
        { checkId: 'a', toStatus: 'pass', at: at(3) },
        { checkId: 'b', toStatus: 'fail', at: at(3) },
        { checkId: 'b', toStatus: 'pass', at: at(8) },
        { checkId: 'a', toStatus: 'fail', at: at(9) },
        { checkId: 'c', toStatus: 'pass', at: at(20) },
        { checkId: null, toStatus: 'unreachable:timeout', at: at(21) },
      ],
      at(0),
    );
    expect(rows).toEqual([
      { stepId: 'one', firstDoneAt: at(8), minutesSpent: 8 },
      { stepId: 'two', firstDoneAt: at(20), minutesSpent: 12 },
      { stepId: 'three', firstDoneAt: null, minutesSpent: null },
    ]);
  });
});

describe('csvField', () => {
  it('quotes separators and defuses formulas', () => {
    expect(csvField('Ada, "the first"')).toBe('"Ada, ""the first"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(null)).toBe('');
  });
});
