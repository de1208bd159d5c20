/**
 * Item 15: the navigator removes an attendee (their VM connection closes, their link stops working,
 * their notes stay under their name) and re-issues a personal link (the old one stops working at
 * once), against the real server and a real OpenSSH sshd.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoteAck } from '../../server/src/contract/events';
import type { PersonalLinkView, RosterSnapshot, NavigatorAttendeeView, SelfView } from '../../server/src/contract/views';
import { AttendeeKeyStore } from '../../server/src/ssh/attendee-keys';
import { CLOSED_PORT, TestClient } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
const clients: TestClient[] = [];

beforeAll(async () => {
  removeStaleTestUsers();
  sshd = await startSshd();
  user = createTestUser('navtremove');
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

async function register(displayName: string, port: number, sshUser: string): Promise<{ id: string; token: string; line: string }> {
  const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
  const response = await navigator.request('POST', joinPath, { body: { displayName, host: '127.0.0.1', port, sshUser } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const body = response.body as { attendee: SelfView; personalPath: string };
  return { id: body.attendee.id, token: body.personalPath.split('/').pop()!, line: body.attendee.authorizedKeysLine };
}

function client(view: 'board' | 'attendee', cookie: string): TestClient {
  const opened = new TestClient(navigator.url, view, cookie);
  clients.push(opened);
  return opened;
}

/** Processes of the VM's login user: the kept-open shell and sshd's session while Navigator is connected. */
function sessionsOnVm(): number {
  try {
    return execFileSync('pgrep', ['-u', user.name], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

async function until<T>(what: string, read: () => Promise<T | undefined | false> | T | undefined | false, safetyMs = 30_000): Promise<T> {
  const deadline = Date.now() + safetyMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('15. removing an attendee and re-issuing a personal link', () => {
  it('only the navigator may remove or re-issue', async () => {
    const mallory = await register('Mallory', CLOSED_PORT, 'mallory');
    const victim = await register('Victim', CLOSED_PORT, 'victim');
    for (const token of [mallory.token, navigator.projectorToken, 'forged-token']) {
      expect((await navigator.request('DELETE', `/api/attendees/${victim.id}`, { token })).status).toBe(401);
      expect((await navigator.request('POST', `/api/attendees/${victim.id}/link`, { token })).status).toBe(401);
    }
    expect((await navigator.request('GET', '/api/me', { token: victim.token })).status).toBe(200);
    expect((await navigator.request('DELETE', '/api/attendees/00000000-0000-4000-8000-000000000000', { token: navigator.navigatorToken })).status).toBe(404);
    for (const { id } of [mallory, victim])
      expect((await navigator.request('DELETE', `/api/attendees/${id}`, { token: navigator.navigatorToken })).status).toBe(204);
  });

  it('a removed attendee: their VM is let go, their page is told and closed, their link is refused, their note stays under their name', async () => {
    const ada = await register('Ada', sshd.port, user.name);
    const grace = await register('Grace', CLOSED_PORT, 'grace');
    sshd.setAuthorizedKeys(user.name, [ada.line]);
    await until(
      'Ada connected',
      async () => ((await navigator.request('GET', '/api/me', { token: ada.token })).body as SelfView).connection.state === 'connected',
    );
    await until('a session on the VM', () => sessionsOnVm() > 0);

    const board = client('board', `navigator_navigator=${navigator.navigatorToken}`);
    const adaPage = client('attendee', `navigator_attendee=${ada.token}`);
    await board.until('the board snapshot', (c) => c.discussion);
    await adaPage.until("Ada's snapshot", (c) => c.discussion);
    expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 1, strategy: 'random' })).toEqual({ ok: true });
    const group = await adaPage.until('Ada in a group', (c) => c.discussion?.groups.find((g) => g.id === c.discussion?.myGroupId));
    const ack = (await adaPage.socket.emitWithAck('note:create', { groupId: group.id, text: 'USDT probes in production' })) as NoteAck;
    if (!ack.ok) throw new Error(`the note was not saved: ${ack.error}`);
    const note = ack.note;

    const removedOnBoard: string[] = [];
    board.socket.on('roster:removed', (id) => removedOnBoard.push(id));
    const signedOut: string[] = [];
    adaPage.socket.on('self:signed-out', (reason) => signedOut.push(reason));
    const closed = new Promise<string>((resolve) => adaPage.socket.once('disconnect', resolve));

    expect((await navigator.request('DELETE', `/api/attendees/${ada.id}`, { token: navigator.navigatorToken })).status).toBe(204);

    expect(await closed).toBe('io server disconnect');
    expect(signedOut).toEqual(['removed']);
    await board.until('the board drops Ada', () => removedOnBoard.includes(ada.id));
    await until('no session left on the VM', () => sessionsOnVm() === 0);
    expect((await navigator.request('GET', '/api/me', { token: ada.token })).status).toBe(401);
    const again = new TestClient(navigator.url, 'attendee', `navigator_attendee=${ada.token}`);
    clients.push(again);
    expect(await new Promise<string>((resolve) => again.socket.once('disconnect', resolve))).toBe('io server disconnect');
    expect(fs.existsSync(new AttendeeKeyStore(navigator.dataDir).fileOf(ada.id))).toBe(false);

    const roster = (await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as RosterSnapshot<NavigatorAttendeeView>;
    expect(roster.attendees.map((a) => a.displayName)).toEqual(['Grace']);
    const notes = await board.until('the note still there', (c) => c.discussion?.groups.flatMap((g) => g.notes ?? []).find((n) => n.id === note.id));
    expect(notes).toMatchObject({ authorName: 'Ada', authorAttendeeId: null, text: 'USDT probes in production' });
    expect((await navigator.request('GET', '/api/me', { token: grace.token })).status).toBe(200);
  });

  it('a re-issued link: the old one stops working at once and its open page is told; the new one signs in', async () => {
    const linus = await register('Linus', CLOSED_PORT, 'linus');
    const page = client('attendee', `navigator_attendee=${linus.token}`);
    await page.until("Linus's snapshot", (c) => c.discussion);
    const signedOut: string[] = [];
    page.socket.on('self:signed-out', (reason) => signedOut.push(reason));
    const closed = new Promise<string>((resolve) => page.socket.once('disconnect', resolve));

    const response = await navigator.request('POST', `/api/attendees/${linus.id}/link`, { token: navigator.navigatorToken });
    expect(response.status).toBe(200);
    const { personalUrl } = response.body as PersonalLinkView;
    expect(personalUrl).toMatch(new RegExp(`^${navigator.url}/a/[A-Za-z0-9_-]{20,}$`));
    const newToken = personalUrl.split('/').pop()!;
    expect(newToken).not.toBe(linus.token);

    expect(await closed).toBe('io server disconnect');
    expect(signedOut).toEqual(['link-reissued']);
    expect((await navigator.request('GET', '/api/me', { token: linus.token })).status).toBe(401);
    const me = await navigator.request('GET', '/api/me', { token: newToken });
    expect(me.status).toBe(200);
    expect((me.body as SelfView).id).toBe(linus.id);
  });
});
