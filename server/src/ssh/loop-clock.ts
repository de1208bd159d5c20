/**
 * Time that passes only while this process's event loop is free to hear from the network. When the
 * process is paused (SIGSTOP, a load average of 45, a long GC), timers fire late and *before* the
 * bytes that arrived meanwhile are read, so a deadline judged on wall time blames the VM for
 * Navigator's own lateness. This clock ticks every `tickMs`; a tick that comes late adds at most
 * `tickMs + slackMs`, so a 5 s stall moves it by a fraction of a second.
 */
export class LoopClock {
  private free = 0;
  private lastTickAt = performance.now();
  private timer: NodeJS.Timeout | null = null;
  /** Pending `after` callbacks, by the loop-free time they are due. */
  private readonly deadlines = new Set<{ at: number; fn: () => void }>();

  constructor(
    private readonly tickMs = 100,
    private readonly slackMs = 150,
    /** A fake wall clock for tests: then the clock ticks only when told to. */
    private readonly fakeWallNow?: () => number,
  ) {
    this.lastTickAt = this.wallNow();
  }

  private wallNow(): number {
    return this.fakeWallNow ? this.fakeWallNow() : performance.now();
  }

  /** Milliseconds of loop-free time since the clock started. */
  now(): number {
    this.ensureTicking();
    return this.free + Math.min(this.wallNow() - this.lastTickAt, this.tickMs + this.slackMs);
  }

  /** Advances the clock; called by its own timer (and by tests with a fake wall clock). */
  tick(): void {
    const at = this.wallNow();
    this.free += Math.min(at - this.lastTickAt, this.tickMs + this.slackMs);
    this.lastTickAt = at;
    this.fireDue();
  }

  /**
   * Calls `fn` once `ms` of loop-free time have passed, at the clock's own tick (so within `tickMs`
   * of it). A late tick adds at most `tickMs + slackMs`, so whatever arrived while the loop was stuck
   * is read before the deadline is judged. No timer per deadline: a sweep sets and cancels one for
   * every check and request, and Node's timer lists cost more than this one set.
   */
  after(ms: number, fn: () => void): () => void {
    const deadline = { at: this.now() + ms, fn };
    this.deadlines.add(deadline);
    this.timer?.ref();
    return () => {
      this.deadlines.delete(deadline);
      if (this.deadlines.size === 0) this.timer?.unref();
    };
  }

  private fireDue(): void {
    if (this.deadlines.size === 0) return;
    const now = this.free;
    for (const deadline of this.deadlines) {
      if (deadline.at > now) continue;
      this.deadlines.delete(deadline);
      deadline.fn();
    }
    if (this.deadlines.size === 0) this.timer?.unref();
  }

  private ensureTicking(): void {
    if (this.timer || this.fakeWallNow) return;
    this.lastTickAt = this.wallNow();
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }
}

/** One per process: every connection judges silence on the same loop. */
export const loopClock = new LoopClock();
