import type { ClockView } from '$server/contract/views';
import { t } from '../i18n/i18n.svelte';
import type { BoardSocket } from './socket.svelte';

/** The workshop clock as the server keeps it, ticking locally between snapshots. */
export class WorkshopClock {
  view = $state<ClockView | null>(null);
  now = $state(Date.now());
  private receivedAt = 0;
  private readonly tick: ReturnType<typeof setInterval>;

  constructor(socket: BoardSocket) {
    socket.on('clock:snapshot', (view) => {
      this.view = view;
      this.receivedAt = Date.now();
    });
    this.tick = setInterval(() => (this.now = Date.now()), 1000);
  }

  get started(): boolean {
    return !!this.view?.startedAt;
  }

  get paused(): boolean {
    return !!this.view?.pausedAt;
  }

  /** Workshop time so far, without paused time; measured on the server's clock. */
  get elapsedMs(): number {
    const view = this.view;
    if (!view?.startedAt) return 0;
    const serverNow = Date.parse(view.serverTime) + (this.now - this.receivedAt);
    const end = view.pausedAt ? Date.parse(view.pausedAt) : serverNow;
    return Math.max(0, end - Date.parse(view.startedAt) - view.pausedTotalMs);
  }

  close(): void {
    clearInterval(this.tick);
  }
}

export function formatElapsed(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

export function paceText(minutesAhead: number): string {
  if (Math.abs(minutesAhead) < 1) return t('board.pace.onPace');
  const minutes = Math.round(Math.abs(minutesAhead));
  return minutesAhead > 0 ? t('board.pace.ahead', { minutes }) : t('board.pace.behind', { minutes });
}

/** How long something has lasted, as a board cell shows it: `<1 min`, `12 min`, `1 h 05` (`1分未満`, `12分`, `1時間05分`). */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return t('board.duration.underMinute');
  if (minutes < 60) return t('board.duration.minutes', { minutes });
  return t('board.duration.hoursMinutes', { hours: Math.floor(minutes / 60), minutes: String(minutes % 60).padStart(2, '0') });
}
