import fs from 'node:fs';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
const attendees: { token: string; id: string }[] = [];

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
  for (const name of ['Ada', 'Grace']) {
    const response = await navigator.request('POST', joinPath, {
      body: { displayName: name, host: '127.0.0.1', port: 9, sshUser: `vm${name.toLowerCase()}` },
    });
    const body = response.body as { attendee: { id: string }; personalPath: string };
    attendees.push({ id: body.attendee.id, token: body.personalPath.split('/').pop()! });
  }
});

afterAll(async () => navigator?.stop());

function connect(view: string, cookie: string): Promise<{ socket: Socket; first: { event: string; payload: unknown } }> {
  return new Promise((resolve, reject) => {
    const socket = io(navigator.url, { path: '/socket.io', auth: { view }, extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
    const timer = setTimeout(() => reject(new Error('no event within 5 s')), 5000);
    socket.onAny((event: string, payload: unknown) => {
      clearTimeout(timer);
      resolve({ socket, first: { event, payload } });
    });
    socket.on('disconnect', () => {
      clearTimeout(timer);
      resolve({ socket, first: { event: 'disconnect', payload: null } });
    });
  });
}

describe('roles on HTTP routes', () => {
  it('an attendee reads only their own page', async () => {
    const [ada, grace] = attendees;
    const me = await navigator.request('GET', '/api/me', { token: ada.token });
    expect(me.status).toBe(200);
    expect((me.body as { id: string }).id).toBe(ada.id);
    expect((await navigator.request('GET', '/api/me', { token: grace.token })).body).toMatchObject({ id: grace.id });
    for (const route of ['/api/attendees', '/api/workshop/links', '/api/projector/roster', '/api/workshop/join-qr.svg']) {
      expect((await navigator.request('GET', route, { token: ada.token })).status, route).toBe(401);
    }
  });

  it('nothing without credentials, and a forged token is refused', async () => {
    for (const route of ['/api/attendees', '/api/me', '/api/workshop/links']) {
      expect((await navigator.request('GET', route)).status, route).toBe(401);
      expect((await navigator.request('GET', route, { token: 'forged-token-value' })).status, route).toBe(401);
    }
  });

  it('the projector sees names and states but no hostnames, users or keys', async () => {
    const roster = await navigator.request('GET', '/api/projector/roster', { token: navigator.projectorToken });
    expect(roster.status).toBe(200);
    const text = JSON.stringify(roster.body);
    expect(text).toContain('Ada');
    expect(text).not.toMatch(/127\.0\.0\.1|vmada|vmgrace|hostKeyFingerprint|"host"/);
    expect((await navigator.request('GET', '/api/attendees', { token: navigator.projectorToken })).status).toBe(401);
  });

  it('secret links set a cookie and redirect; a wrong one is refused', async () => {
    const good = await navigator.request('GET', `/auth/navigator?token=${navigator.navigatorToken}`);
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/board');
    expect((await navigator.request('GET', '/auth/navigator?token=nope')).status).toBe(401);
    expect((await navigator.request('GET', `/a/${attendees[0].token}`)).headers.get('location')).toBe('/me');
  });

  it('the private keys stay on the server with mode 0600 and are never served', async () => {
    const files = fs.readdirSync(navigator.dataDir);
    const keyFile = files.find((f) => f === `attendee-${attendees[0].id}.key`);
    expect(keyFile, `a key file in ${files.join(', ')}`).toBeDefined();
    expect(files.filter((f) => f.startsWith('attendee-') && f.endsWith('.key'))).toHaveLength(attendees.length);
    expect(files.filter((f) => f.startsWith('navigator_ed25519'))).toEqual([]);
    expect(fs.statSync(path.join(navigator.dataDir, keyFile!)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(navigator.dataDir, 'navigator.secret')).mode & 0o777).toBe(0o600);
    const key = fs.readFileSync(path.join(navigator.dataDir, keyFile!), 'utf8');
    for (const [route, token] of [
      ['/api/me', attendees[0].token],
      ['/api/attendees', navigator.navigatorToken],
      ['/api/workshop/links', navigator.navigatorToken],
    ] as const) {
      const body = JSON.stringify((await navigator.request('GET', route, { token })).body);
      expect(body).not.toContain('PRIVATE KEY');
      expect(body).not.toContain(key.split('\n')[1]);
    }
  });
});

describe('roles on socket events', () => {
  it('an attendee cookie cannot open the board or the projector view', async () => {
    const cookie = `navigator_attendee=${attendees[0].token}`;
    for (const view of ['board', 'projector']) {
      const { socket, first } = await connect(view, cookie);
      expect(first.event, view).toBe('disconnect');
      socket.close();
    }
  });

  it('an attendee socket gets only its own snapshot and cannot call navigator events', async () => {
    const { socket, first } = await connect('attendee', `navigator_attendee=${attendees[0].token}`);
    expect(first.event).toBe('self:snapshot');
    expect((first.payload as { id: string }).id).toBe(attendees[0].id);
    expect(JSON.stringify(first.payload)).not.toContain('Grace');
    const reply = await Promise.race([
      socket
        .timeout(1500)
        .emitWithAck('vm:reconnect', { attendeeId: attendees[1].id })
        .then(
          (r: unknown) => ({ answered: r }),
          () => ({ answered: 'no ack' }),
        ),
    ]);
    expect(reply.answered).not.toEqual({ ok: true });
    socket.close();
  });

  it('the projector socket snapshot has no hostnames', async () => {
    const { socket, first } = await connect('projector', `navigator_projector=${navigator.projectorToken}`);
    expect(first.event).toBe('roster:snapshot');
    const text = JSON.stringify(first.payload);
    expect(text).toContain('Grace');
    expect(text).not.toMatch(/127\.0\.0\.1|vmada|vmgrace|"host"/);
    socket.close();
  });

  it('the navigator socket gets the full roster', async () => {
    const { socket, first } = await connect('board', `navigator_navigator=${navigator.navigatorToken}`);
    expect(first.event).toBe('roster:snapshot');
    expect(JSON.stringify(first.payload)).toContain('vmada');
    socket.close();
  });
});
