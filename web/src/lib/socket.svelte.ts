import { io, type Socket } from 'socket.io-client';
import type { PageKind, ClientToServerEvents, ServerToClientEvents } from '$server/contract/events';

export type BoardSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** One socket per page, with its connection state as runes so a page can show "offline". */
export class LiveConnection {
  online = $state(false);
  everConnected = $state(false);
  readonly socket: BoardSocket;

  constructor(view: PageKind) {
    this.socket = io({
      path: '/socket.io',
      auth: { view },
      withCredentials: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 8000,
      randomizationFactor: 0.5,
      transports: ['websocket', 'polling'],
    });
    this.socket.on('connect', () => {
      this.online = true;
      this.everConnected = true;
    });
    this.socket.on('disconnect', () => (this.online = false));
  }

  close(): void {
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }
}
