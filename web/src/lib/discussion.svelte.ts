import type { DiscussionView, TimerKind } from '$server/contract/views';
import type { BoardSocket } from '$lib/socket.svelte';

/**
 * The discussion as the server last described it. Timers count down locally from the server's
 * remaining time, measured from when the snapshot arrived, so every page shows the same clock.
 */
export class DiscussionState {
  view = $state<DiscussionView | null>(null);
  now = $state(Date.now());
  private receivedAt = Date.now();
  private readonly tick: ReturnType<typeof setInterval>;

  constructor(socket: BoardSocket) {
    socket.on('discussion:snapshot', (view) => {
      this.receivedAt = Date.now();
      this.view = view;
    });
    this.tick = setInterval(() => (this.now = Date.now()), 250);
  }

  remainingMs(kind: TimerKind): number {
    const timer = this.view?.timers[kind];
    if (!timer) return 0;
    return timer.running ? Math.max(0, timer.remainingMs - (this.now - this.receivedAt)) : timer.remainingMs;
  }

  groupName(id: string | null): string | null {
    return this.view?.groups.find((g) => g.id === id)?.name ?? null;
  }

  close(): void {
    clearInterval(this.tick);
  }
}

export function formatClock(ms: number): string {
  const total = Math.ceil(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}
