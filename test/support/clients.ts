import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, PageKind, ServerToClientEvents } from '../../server/src/contract/events';
import type { DiscussionView } from '../../server/src/contract/views';
import type { ImportResultView } from '../../server/src/contract/imports';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io client as a page would open it, remembering the last discussion snapshot it received. */
/** Port 9 (discard): nothing listens on it here. */
export const CLOSED_PORT = 9;

export class TestClient {
  readonly socket: TestSocket;
  discussion: DiscussionView | null = null;
  discussionUpdates = 0;

  constructor(url: string, view: PageKind, cookie: string) {
    this.socket = io(url, { path: '/socket.io', auth: { view }, extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
    this.socket.on('discussion:snapshot', (view) => {
      this.discussion = view;
      this.discussionUpdates += 1;
    });
  }

  async until<T>(what: string, read: (client: this) => T | undefined | false, timeoutMs = 15_000): Promise<NonNullable<T>> {
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

/** Many attendees at once, as the navigator's CSV import makes them (registration is rate-limited per address). */
export async function importAttendees(
  request: (method: string, path: string, o?: { body?: unknown; token?: string }) => Promise<{ status: number; body: unknown }>,
  navigatorToken: string,
  names: string[],
): Promise<{ id: string; name: string; host: string; port: number; sshUser: string; token: string }[]> {
  // One loopback address each (the import refuses two rows for one VM): 127.0.1.1, 127.0.1.2, … all refused at once.
  const host = (index: number) => `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
  const csv = ['name,host,port,user', ...names.map((name, index) => `${name},${host(index)},${CLOSED_PORT},user${index}`)].join('\n');
  const response = await request('POST', '/api/attendees/import', { body: { csv }, token: navigatorToken });
  if (response.status !== 201 && response.status !== 200) throw new Error(`importing ${names.length}: ${JSON.stringify(response.body).slice(0, 500)}`);
  return (response.body as ImportResultView).imported.map((a) => ({
    id: a.id,
    name: a.displayName,
    host: a.host,
    port: a.port,
    sshUser: a.sshUser,
    token: a.personalUrl.split('/').pop()!,
  }));
}
