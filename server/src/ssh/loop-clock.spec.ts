import { describe, expect, it } from 'vitest';
import { LoopClock } from './loop-clock';

describe('LoopClock', () => {
  it('follows wall time while the loop is free', () => {
    let wall = 0;
    const clock = new LoopClock(100, 150, () => wall);
    for (let i = 0; i < 50; i++) {
      wall += 100;
      clock.tick();
    }
    expect(clock.now()).toBe(5000);
  });

  it('counts a 5 s pause of the process as a fraction of a second', () => {
    let wall = 0;
    const clock = new LoopClock(100, 150, () => wall);
    wall += 100;
    clock.tick();
    wall += 5000; // SIGSTOP: no tick for 5 s
    expect(clock.now()).toBe(350);
    clock.tick();
    expect(clock.now()).toBe(350);
    wall += 100;
    clock.tick();
    expect(clock.now()).toBe(450);
  });

  it('fires a deadline on the first tick after its loop-free time has passed, never during a stall, never once cancelled', () => {
    let wall = 0;
    const clock = new LoopClock(100, 150, () => wall);
    const fired: string[] = [];
    clock.after(300, () => fired.push('300'));
    const cancel = clock.after(200, () => fired.push('cancelled'));
    cancel();
    wall += 100;
    clock.tick();
    wall += 100;
    clock.tick();
    expect(fired).toEqual([]);
    wall += 5000; // a stall: the tick after it counts 250 ms, so 450 of loop-free time
    clock.tick();
    expect(fired).toEqual(['300']);
    clock.after(1000, () => fired.push('1000'));
    wall += 5000;
    clock.tick();
    expect(fired).toEqual(['300']);
    for (let i = 0; i < 8; i++) {
      wall += 100;
      clock.tick();
    }
    expect(fired).toEqual(['300', '1000']);
  });
});
