/**
 * Item 3: a pinned host key never clears silently. A rebuilt VM's new key is trusted only when the
 * attendee asks and the navigator approves; another spelling of the same address is checked against
 * the same pin; and each address keeps its own pin, checked again when the attendee comes back to it.
 * Against the real server and two real OpenSSH sshd ("VM A" and "VM B") on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../server/src/contract/events';
import type { HelpQueueView, SelfView } from '../../server/src/contract/views';
import { TestClient } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

let navigator: TestNavigator;
let vmA: TestSshd;
let vmB: TestSshd;
let user: TestUser;
let ada: { id: string; token: string };
const clients: TestClient[] = [];

beforeAll(async () => {
  removeStaleTestUsers();
  vmA = await startSshd();
  vmB = await startSshd();
  user = createTestUser('navthostkey');
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
  const response = await navigator.request('POST', joinPath, { body: { displayName: 'Ada', host: '127.0.0.1', port: vmA.port, sshUser: user.name } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const body = response.body as { attendee: SelfView; personalPath: string };
  ada = { id: body.attendee.id, token: body.personalPath.split('/').pop()! };
  for (const vm of [vmA, vmB]) vm.setAuthorizedKeys(user.name, [body.attendee.authorizedKeysLine]);
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  await navigator?.stop();
  await vmA?.stop();
  await vmB?.stop();
  user?.remove();
});

async function me(): Promise<SelfView> {
  const response = await navigator.request('GET', '/api/me', { token: ada.token }).catch(() => navigator.request('GET', '/api/me', { token: ada.token }));
  return response.body as SelfView;
}

/** Polls Ada's own page until `test` holds: waits for the server's state, not for a time. */
async function until(what: string, test: (view: SelfView) => boolean, safetyMs = 30_000): Promise<SelfView> {
  const deadline = Date.now() + safetyMs;
  for (;;) {
    const view = await me();
    if (test(view)) return view;
    if (Date.now() > deadline) throw new Error(`${what}: last view ${JSON.stringify({ connection: view.connection, pinned: view.hostKeyFingerprint })}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Changes Ada's VM address; resolves with how many attempts her connection had made by then. */
async function moveTo(host: string, port: number): Promise<number> {
  const before = (await me()).connection.retries;
  const response = await navigator.request('PUT', '/api/me/vm', { token: ada.token, body: { displayName: 'Ada', host, port, sshUser: user.name } });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return before;
}

/** The state after at least one more connection attempt than `attempts`: not the one from before the move. */
const afterAnotherAttempt = (attempts: number, test: (view: SelfView) => boolean) => (view: SelfView) => view.connection.retries > attempts && test(view);

const refusedWith = (pinned: string, offered: string) => (view: SelfView) =>
  view.connection.reason === 'host_key_changed' && view.hostKeyFingerprint === pinned && view.offeredHostKeyFingerprint === offered;

function socketFor(view: 'board' | 'attendee' | 'projector', cookie: string): TestClient {
  const client = new TestClient(navigator.url, view, cookie);
  clients.push(client);
  return client;
}

describe('3. a rebuilt VM is re-pinned only when the navigator trusts its new key', () => {
  it('pins the first key, refuses a new one, and another spelling of the address does not clear the pin', async () => {
    const first = vmA.hostKeyFingerprint;
    await until('connected to VM A with its key pinned', (view) => view.connection.state === 'connected' && view.hostKeyFingerprint === first);
    await vmA.regenerateHostKey();
    const rebuilt = vmA.hostKeyFingerprint;
    expect(rebuilt).not.toBe(first);
    await until('refused: the key changed', refusedWith(first, rebuilt));
    // 127.0.0.1 spelled as an IPv4-mapped IPv6 address: Navigator dials the same address, so the same pin applies.
    const attempts = await moveTo('::ffff:127.0.0.1', vmA.port);
    await until('still refused under the other spelling', afterAnotherAttempt(attempts, refusedWith(first, rebuilt)));
    await moveTo('127.0.0.1', vmA.port);
    await until('still refused', refusedWith(first, rebuilt));
  });

  it('the attendee asks; the navigator sees both fingerprints, rejects, then trusts; Navigator connects with the new pin', async () => {
    const pinned = (await me()).hostKeyFingerprint!;
    const rebuilt = vmA.hostKeyFingerprint;
    const page = socketFor('attendee', `navigator_attendee=${ada.token}`);
    const board = socketFor('board', `navigator_navigator=${navigator.navigatorToken}`);
    const projector = socketFor('projector', `navigator_projector=${navigator.projectorToken}`);
    let queue: HelpQueueView | null = null;
    let publicQueue: HelpQueueView | null = null;
    board.socket.on('help:snapshot', (view) => (queue = view));
    projector.socket.on('help:snapshot', (view) => (publicQueue = view));
    await page.until("Ada's page", (c) => c.discussion);
    await board.until('the board', (c) => c.discussion);
    await projector.until('the projector', (c) => c.discussion);

    // Nobody but the navigator decides, and an attendee cannot ask about a key their VM did not present.
    expect(((await page.socket.emitWithAck('hostkey:trust', { id: 1 })) as Ack).ok).toBe(false);

    expect(await page.socket.emitWithAck('self:host-key-request', {})).toEqual({ ok: true });
    await until('the request is pending', (view) => view.hostKeyRequest === 'pending');
    const request = await board.until('the request in the help queue', () => (queue as HelpQueueView | null)?.hostKeys[0]);
    expect(request).toMatchObject({ attendeeId: ada.id, displayName: 'Ada', pinnedFingerprint: pinned, offeredFingerprint: rebuilt });
    await projector.until('the projector queue', () => publicQueue);
    expect((publicQueue as HelpQueueView | null)?.hostKeys).toEqual([]);

    expect(await board.socket.emitWithAck('hostkey:reject', { id: request.id })).toEqual({ ok: true });
    await until('rejected, still refused', (view) => view.hostKeyRequest === 'rejected' && refusedWith(pinned, rebuilt)(view));
    await board.until('the queue emptied', () => (queue as HelpQueueView | null)?.hostKeys.length === 0);
    expect(((await board.socket.emitWithAck('hostkey:trust', { id: request.id })) as Ack).ok).toBe(false);

    expect(await page.socket.emitWithAck('self:host-key-request', {})).toEqual({ ok: true });
    const again = await board.until('asked again', () => (queue as HelpQueueView | null)?.hostKeys[0]);
    expect(await board.socket.emitWithAck('hostkey:trust', { id: again.id })).toEqual({ ok: true });
    const trusted = await until('connected with the new key pinned', (view) => view.connection.state === 'connected' && view.hostKeyFingerprint === rebuilt);
    expect(trusted).toMatchObject({ offeredHostKeyFingerprint: null, hostKeyRequest: null });
    expect(await page.socket.emitWithAck('self:host-key-request', {})).toMatchObject({
      ok: false,
      error: expect.stringMatching(/nothing to trust/),
      coded: { code: 'hostkey.nothing_to_trust' },
    });
  });

  it('each address keeps its own pin: coming back to an address checks the key pinned there', async () => {
    const pinnedAtA = vmA.hostKeyFingerprint;
    await moveTo('127.0.0.1', vmB.port);
    await until(
      'connected to VM B, pinned at first use',
      (view) => view.connection.state === 'connected' && view.hostKeyFingerprint === vmB.hostKeyFingerprint,
    );
    await vmA.regenerateHostKey();
    await moveTo('127.0.0.1', vmA.port);
    await until("VM A's old pin is checked again", refusedWith(pinnedAtA, vmA.hostKeyFingerprint));
  });
});
