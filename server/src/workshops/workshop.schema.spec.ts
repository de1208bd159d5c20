import { describe, expect, it } from 'vitest';
import { forwardedPorts, workshopSchema } from './workshop.schema';

describe('workshopSchema', () => {
  it('fills defaults and lists forwarded ports', () => {
    const parsed = workshopSchema.parse({
      id: 'demo',
      title: 'Demo',
      steps: [
        {
          id: 'one',
          title: 'One',
          minutes: 5,
          checks: [
            { id: 'c', title: 'C', http: { port: 9435 } },
            { id: 'p', title: 'P', promql: { query: 'up' } },
          ],
        },
      ],
    });
    expect(parsed.probe.intervalSeconds).toBe(5);
    expect(forwardedPorts(parsed)).toEqual([9090, 9435]);
  });
});
