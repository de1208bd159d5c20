import { Injectable } from '@nestjs/common';

/** Repeating timers, behind a class so services that run on a schedule can be tested with a fake. */
@Injectable()
export class Ticker {
  /** Calls `tick` every `ms` until the returned function is called; never keeps the process alive. */
  every(ms: number, tick: () => void): () => void {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Calls `fire` once after `ms` unless the returned function is called first. */
  after(ms: number, fire: () => void): () => void {
    const timer = setTimeout(fire, ms);
    timer.unref();
    return () => clearTimeout(timer);
  }
}
