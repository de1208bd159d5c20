import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('holds an acquired slot until it is released, and serves waiters in order', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const served: string[] = [];
    const first = semaphore.acquire().then((r) => (served.push('first'), r));
    const second = semaphore.acquire().then((r) => (served.push('second'), r));
    await Promise.resolve();
    expect(served).toEqual([]);
    release();
    (await first)();
    (await second)();
    expect(served).toEqual(['first', 'second']);
    expect(semaphore.inUse).toBe(0);
  });

  it('counts a slot released twice once', async () => {
    const semaphore = new Semaphore(2);
    const release = await semaphore.acquire();
    await semaphore.acquire();
    release();
    release();
    expect(semaphore.inUse).toBe(1);
  });

  it('serves a waiter that asks to go first ahead of those already waiting', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const served: string[] = [];
    const queued = semaphore.acquire().then((r) => (served.push('queued'), r));
    const urgent = semaphore.acquire({ first: true }).then((r) => (served.push('urgent'), r));
    release();
    (await urgent)();
    (await queued)();
    expect(served).toEqual(['urgent', 'queued']);
  });
});
