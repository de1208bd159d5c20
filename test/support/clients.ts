import { io, type Socket } from 'socket.io-client';
import type { BoardView, ClientToServerEvents, DiscussionView, ServerToClientEvents } from '../../server/src/board/board.events';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io client as a page would open it, remembering the last discussion snapshot it received. */
/** Port 9 (discard): nothing listens on it here. */
export const CLOSED_PORT = 9;

export class TestClient {
  readonly socket: TestSocket;
  discussion: DiscussionView | null = null;
  discussionUpdates = 0;

  constructor(url: string, view: BoardView, cookie: string) {
    this.socket = io(url, { path: '/socket.io', auth: { view }, extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
    this.socket.on('discussion:snapshot', (view) => {
      this.discussion = view;
      this.discussionUpdates += 1;
    });
  }

  async until<T>(what: string, read: (client: this) => T | undefined | false, timeoutMs = 5000): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = read(this);
      if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Registers attendees whose "VM" is a closed port on loopback: refused at once, with no DNS query and no
 * traffic off the machine. The server must allow loopback VMs.
 */
export async function registerAttendees(
  request: (method: string, path: string, o?: { body?: unknown }) => Promise<{ status: number; body: unknown }>,
  joinUrl: string,
  names: string[],
) {
  const joinPath = new URL(joinUrl).pathname.replace('/join/', '/api/join/');
  const attendees: { id: string; name: string; token: string }[] = [];
  for (const [index, name] of names.entries()) {
    const response = await request('POST', joinPath, { body: { displayName: name, host: '127.0.0.1', port: CLOSED_PORT, sshUser: `user${index}` } });
    if (response.status !== 201) throw new Error(`registering ${name}: ${JSON.stringify(response.body)}`);
    const body = response.body as { attendee: { id: string }; personalPath: string };
    attendees.push({ id: body.attendee.id, name, token: body.personalPath.split('/').pop()! });
  }
  return attendees;
}
