import type { BroadcastView } from '$server/contract/views';
import type { BoardSocket } from './socket.svelte';

const DISMISSED = 'navigator.broadcast.dismissed';

/** The navigator's banner as this page follows it; a dismissed message stays dismissed in this browser. */
export class BroadcastState {
  view = $state.raw<BroadcastView | null>(null);
  private dismissedId = $state<number | null>(Number(sessionStorage.getItem(DISMISSED)) || null);
  banner = $derived(this.view?.current && this.view.current.id !== this.dismissedId ? this.view.current : null);

  constructor(socket: BoardSocket) {
    socket.on('broadcast:snapshot', (view) => (this.view = view));
  }

  dismiss(): void {
    if (!this.view?.current) return;
    this.dismissedId = this.view.current.id;
    sessionStorage.setItem(DISMISSED, String(this.dismissedId));
  }
}
