/**
 * Item 8 of issue 20: helpers with links of their own. A helper's board has the roster and the help
 * queue but no secret (no attendee's secret value or link, no navigator or projector token, no
 * host-key request, no discussion note); a helper answers hands under their own name and can do
 * nothing else; revoking the link signs them out at once. Real server; the VMs are a closed port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandView, HelperView, HelpQueueView, NewHelperView, SelfView } from '../../server/src/contract/views';
import type { RetrospectiveView } from '../../server/src/contract/retrospective';
import { DomainEventBus } from '../../server/src/common/domain-events';
import { PrismaService } from '../../server/src/prisma/prisma.service';
import { CLOSED_PORT, TestClient } from '../support/clients';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';

/** What every refused role gets: Nest's words, and a code for pages. */
const FORBIDDEN = { ok: false, error: 'Forbidden resource', coded: { code: 'request.forbidden' } };
const SECRET = 'Zq9-helper-secret-7Hx';
let navigator: TestNavigator;
const clients: TestClient[] = [];
let ada: { id: string; token: string };
let grace: { id: string; token: string };
let sam: NewHelperView;
let samToken: string;

beforeAll(async () => {
  navigator = await startTestNavigator({
    NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true',
    NAVIGATOR_WORKSHOP_FILE: `${REPO_ROOT}/test/fixtures/workshop-v2-values.yaml`,
  });
  ada = await register('Ada');
  grace = await register('Grace');
});

afterAll(async () => {
  clients.forEach((client) => client.close());
  await navigator?.stop();
});

async function register(displayName: string): Promise<{ id: string; token: string }> {
  const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
  const response = await navigator.request('POST', joinPath, {
    body: { displayName, host: '127.0.0.1', port: CLOSED_PORT, sshUser: displayName.toLowerCase(), values: { pw: `${SECRET}-${displayName}` } },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const body = response.body as { attendee: SelfView; personalPath: string };
  return { id: body.attendee.id, token: body.personalPath.split('/').pop()! };
}

/** A page's socket that keeps every frame it receives, as text, and the last of each event. */
class RecordingClient extends TestClient {
  frames: string[] = [];
  last: Record<string, unknown> = {};
  constructor(view: 'board' | 'attendee', cookie: string) {
    super(navigator.url, view, cookie);
    this.socket.onAny((event: string, ...args: unknown[]) => {
      this.frames.push(`${event} ${JSON.stringify(args)}`);
      this.last[event] = args[0];
    });
    clients.push(this);
  }
}

const helperBoard = () => new RecordingClient('board', `navigator_helper=${samToken}`);
const navigatorBoard = () => new RecordingClient('board', `navigator_navigator=${navigator.navigatorToken}`);

describe('helpers: links of their own, the board without its secrets', () => {
  it('the navigator adds a helper by name and gets their link once; the list never shows it', async () => {
    const response = await navigator.request('POST', '/api/helpers', { token: navigator.navigatorToken, body: { name: '  Sam  ' } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    sam = response.body as NewHelperView;
    expect(sam.helper).toMatchObject({ name: 'Sam', revokedAt: null });
    expect(sam.link).toMatch(new RegExp(`^${navigator.url}/h/[\\w-]{30,}$`));
    samToken = sam.link.split('/').pop()!;
    expect(sam.qrSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(sam.qrSvg).not.toMatch(/<script|on\w+=/i);

    const list = await navigator.request('GET', '/api/helpers', { token: navigator.navigatorToken });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([sam.helper]);
    expect(Object.keys((list.body as HelperView[])[0]).sort()).toEqual(['createdAt', 'id', 'name', 'revokedAt']);
    expect(JSON.stringify(list.body)).not.toContain(samToken);

    for (const [body, field] of [
      [{ name: 'Navigator' }, /reserved for the navigator/],
      [{ name: 'sam' }, /already has a link/],
      [{ name: 'Ann\u202e' }, /invisible or direction-changing/],
      [{ name: 'x'.repeat(61) }, /60 characters/],
      [{ name: 'Ann', token: 'chosen' }, /not expected/],
    ] as const) {
      const refused = await navigator.request('POST', '/api/helpers', { token: navigator.navigatorToken, body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify((refused.body as { fields: object }).fields), JSON.stringify(body)).toMatch(field);
    }
    for (const token of [undefined, samToken, ada.token, navigator.projectorToken]) {
      expect((await navigator.request('POST', '/api/helpers', { token, body: { name: 'Eve' } })).status).toBe(401);
      expect((await navigator.request('GET', '/api/helpers', { token })).status).toBe(401);
      expect((await navigator.request('DELETE', `/api/helpers/${sam.helper.id}`, { token })).status).toBe(401);
    }
  });

  it("the helper's link signs in to the board, whose frames carry no secret, host-key request or discussion note", async () => {
    const signIn = await navigator.request('GET', `/h/${samToken}`);
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/board');

    // A host-key request and a group's note exist: the navigator's board has them, a helper's does not.
    const prisma = navigator.app.get(PrismaService);
    await prisma.hostKeyRequest.create({
      data: {
        attendeeId: grace.id,
        address: '127.0.0.1',
        port: CLOSED_PORT,
        pinnedFingerprint: 'SHA256:pinned',
        offeredFingerprint: 'SHA256:offered',
        offeredAlgorithm: 'ssh-ed25519',
      },
    });
    navigator.app.get(DomainEventBus).emit('help.changed', { attendeeId: grace.id });
    const board = navigatorBoard();
    await board.until('the navigator board', (c) => c.last['help:snapshot']);
    expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 1, strategy: 'random' })).toEqual({ ok: true });
    const adaPage = new RecordingClient('attendee', `navigator_attendee=${ada.token}`);
    const group = await adaPage.until('Ada in a group', (c) => c.discussion?.groups.find((g) => g.id === c.discussion?.myGroupId));
    expect(await adaPage.socket.emitWithAck('note:create', { groupId: group.id, text: 'a note for the group only' })).toMatchObject({ ok: true });
    await board.until('the note on the navigator board', (c) => c.discussion?.groups.some((g) => g.notes?.length));
    expect((board.last['help:snapshot'] as HelpQueueView).hostKeys).toHaveLength(1);

    const helper = helperBoard();
    await helper.until("the helper's snapshot", (c) => c.last['help:snapshot'] && c.discussion);
    expect(helper.last['board:viewer']).toEqual({ role: 'helper', name: 'Sam' });
    expect(board.last['board:viewer']).toEqual({ role: 'navigator' });
    const roster = JSON.stringify(helper.last['roster:snapshot']);
    expect(roster).toContain('Ada');
    expect(roster).toContain('"sshUser":"grace"');
    expect((helper.last['help:snapshot'] as HelpQueueView).hostKeys).toEqual([]);
    expect(helper.discussion!.groups[0].notes).toBeNull();
    expect(helper.discussion!.ungrouped).toEqual([]);

    const frames = helper.frames.join('\n');
    for (const secret of [
      SECRET,
      ada.token,
      grace.token,
      navigator.navigatorToken,
      navigator.projectorToken,
      samToken,
      'SHA256:offered',
      'a note for the group only',
    ]) {
      expect(frames).not.toContain(secret);
    }
    // No attendee's own values (the fixture's `pw`); a reason's `values` are its message's data, not theirs.
    expect(frames).not.toMatch(/tokenHash|personalUrl|authorizedKeysLine|installCommand|"values":\{"pw"/);
    // The same reads over HTTP.
    const http = JSON.stringify((await navigator.request('GET', '/api/attendees', { token: samToken })).body);
    expect(http).toContain('Grace');
    expect(http).not.toContain(SECRET);
    expect((await navigator.request('GET', `/api/attendees/${ada.id}/timeline`, { token: samToken })).status).toBe(200);
  });

  it('a helper says *I’m on it* under their own name, the navigator under "Navigator"; both may resolve', async () => {
    const board = navigatorBoard();
    const helper = helperBoard();
    const adaPage = new RecordingClient('attendee', `navigator_attendee=${ada.token}`);
    const gracePage = new RecordingClient('attendee', `navigator_attendee=${grace.token}`);
    await Promise.all([board, helper, adaPage, gracePage].map((c) => c.until('connected', (client) => client.discussion)));
    expect(await adaPage.socket.emitWithAck('help:raise', { message: 'make fails' })).toEqual({ ok: true });
    expect(await gracePage.socket.emitWithAck('help:raise', {})).toEqual({ ok: true });
    const requestOf = (client: RecordingClient, id: string) =>
      (client.last['help:snapshot'] as HelpQueueView | undefined)?.requests.find((r) => r.attendeeId === id);
    const adaRequest = await helper.until("Ada's hand on the helper's board", (c) => requestOf(c, ada.id));
    const graceRequest = await helper.until("Grace's hand on the helper's board", (c) => requestOf(c, grace.id));
    expect(adaRequest.message).toBe('make fails');

    expect(await helper.socket.emitWithAck('help:acknowledge', { id: adaRequest.id })).toEqual({ ok: true });
    await board.until('Sam on it, on the navigator board', (c) => requestOf(c, ada.id)?.acknowledgedBy === 'Sam');
    await helper.until("Sam on it, on the helper's board", (c) => requestOf(c, ada.id)?.acknowledgedBy === 'Sam');
    const hand = await adaPage.until("Ada's page says who is coming", (c) => c.last['hand:snapshot'] as HandView | undefined);
    await adaPage.until('Sam on the way', (c) => (c.last['hand:snapshot'] as HandView).acknowledgedBy === 'Sam');
    expect(hand.raisedAt).toBe(adaRequest.raisedAt);

    expect(await board.socket.emitWithAck('help:acknowledge', { id: graceRequest.id })).toEqual({ ok: true });
    await gracePage.until('the navigator on the way', (c) => (c.last['hand:snapshot'] as HandView | undefined)?.acknowledgedBy === 'Navigator');

    // Who went is kept for afterwards: the timeline export and the run's retrospective name them.
    const timeline = await navigator.request('GET', '/api/export/timeline.json', { token: navigator.navigatorToken });
    const handsOf = (name: string) =>
      (timeline.body as { attendees: { name: string; helpRequests: { acknowledgedBy: string | null }[] }[] }).attendees.find((a) => a.name === name)!
        .helpRequests;
    expect(handsOf('Ada').map((h) => h.acknowledgedBy)).toEqual(['Sam']);
    expect(handsOf('Grace').map((h) => h.acknowledgedBy)).toEqual(['Navigator']);
    const runs = await navigator.request('GET', '/api/runs', { token: navigator.navigatorToken });
    const retro = await navigator.request('GET', `/api/runs/${(runs.body as { id: string }[])[0].id}/retrospective`, { token: navigator.navigatorToken });
    const help = (retro.body as RetrospectiveView).help;
    expect(help.requests.map((r) => [r.name, r.acknowledgedBy])).toEqual(
      expect.arrayContaining([
        ['Ada', 'Sam'],
        ['Grace', 'Navigator'],
      ]),
    );
    expect(help.answerers.map((a) => [a.name, a.answered])).toEqual(
      expect.arrayContaining([
        ['Sam', 1],
        ['Navigator', 1],
      ]),
    );

    expect(await helper.socket.emitWithAck('help:resolve', { id: adaRequest.id })).toEqual({ ok: true });
    await adaPage.until("Ada's hand down", (c) => c.last['hand:snapshot'] === null);
    await board.until('only Grace left', (c) => (c.last['help:snapshot'] as HelpQueueView).requests.length === 1);
  });

  it('a helper cannot trust or reject host keys, remove, re-issue, import, broadcast, run the clock or start a run', async () => {
    const helper = helperBoard();
    await helper.until("the helper's snapshot", (c) => c.last['help:snapshot']);
    const request = await navigator.app.get(PrismaService).hostKeyRequest.findFirstOrThrow({ where: { attendeeId: grace.id } });
    expect(await helper.socket.emitWithAck('hostkey:trust', { id: request.id })).toEqual(FORBIDDEN);
    expect(await helper.socket.emitWithAck('hostkey:reject', { id: request.id })).toEqual(FORBIDDEN);
    expect(await helper.socket.emitWithAck('broadcast:send', { text: 'from a helper' })).toEqual(FORBIDDEN);
    expect(await helper.socket.emitWithAck('clock:control', { action: 'start' })).toEqual(FORBIDDEN);
    expect(await helper.socket.emitWithAck('vm:reconnect', { attendeeId: ada.id })).toEqual(FORBIDDEN);
    expect(await navigator.app.get(PrismaService).hostKeyRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ decidedAt: null });

    for (const [method, path, body] of [
      ['DELETE', `/api/attendees/${ada.id}`, undefined],
      ['POST', `/api/attendees/${ada.id}/link`, undefined],
      ['POST', '/api/attendees/import', { csv: 'Eve,127.0.0.9,9,eve' }],
      ['POST', '/api/runs', undefined],
      ['POST', '/api/workshop/join-code', undefined],
      ['GET', '/api/workshop/links', undefined],
      ['GET', '/api/export/progress.csv', undefined],
    ] as const) {
      expect((await navigator.request(method, path, { token: samToken, body })).status, `${method} ${path}`).toBe(401);
      expect((await navigator.request(method, path, { cookie: `navigator_helper=${samToken}`, body })).status, `${method} ${path}`).toBe(401);
    }
    expect((await navigator.request('GET', '/api/me', { token: ada.token })).status).toBe(200);
    const roster = (await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as { attendees: { displayName: string }[] };
    expect(roster.attendees.map((a) => a.displayName)).toEqual(['Ada', 'Grace']);
  });

  it('a helper outlives a new run', async () => {
    expect((await navigator.request('POST', '/api/runs', { token: navigator.navigatorToken })).status).toBe(201);
    expect((await navigator.request('GET', `/h/${samToken}`)).status).toBe(303);
    const helper = helperBoard();
    await helper.until("the new run's empty roster", (c) => (c.last['roster:snapshot'] as { attendees: unknown[] } | undefined)?.attendees.length === 0);
  });

  it('revoking the link signs the helper out at once: the link, the cookie and the open board', async () => {
    const helper = helperBoard();
    await helper.until("the helper's snapshot", (c) => c.last['help:snapshot']);
    const signedOut: string[] = [];
    helper.socket.on('self:signed-out', (reason) => signedOut.push(reason));
    const closed = new Promise<string>((resolve) => helper.socket.once('disconnect', resolve));
    const board = navigatorBoard();
    await board.until('the navigator board', (c) => c.last['help:snapshot']);

    expect((await navigator.request('DELETE', `/api/helpers/${sam.helper.id}`, { token: navigator.navigatorToken })).status).toBe(204);

    expect(await closed).toBe('io server disconnect');
    expect(signedOut).toEqual(['helper-revoked']);
    expect((await navigator.request('GET', `/h/${samToken}`)).status).toBe(401);
    expect((await navigator.request('GET', '/api/attendees', { token: samToken })).status).toBe(401);
    expect((await navigator.request('GET', '/api/attendees', { cookie: `navigator_helper=${samToken}` })).status).toBe(401);
    const again = helperBoard();
    expect(await new Promise<string>((resolve) => again.socket.once('disconnect', resolve))).toBe('io server disconnect');
    expect(board.socket.connected).toBe(true);

    const list = (await navigator.request('GET', '/api/helpers', { token: navigator.navigatorToken })).body as HelperView[];
    expect(list).toEqual([{ ...sam.helper, revokedAt: expect.any(String) }]);
    expect((await navigator.request('DELETE', `/api/helpers/${sam.helper.id}`, { token: navigator.navigatorToken })).status).toBe(204);
    expect((await navigator.request('DELETE', '/api/helpers/no-such-helper', { token: navigator.navigatorToken })).status).toBe(404);
    // The name is free again for a new link.
    expect((await navigator.request('POST', '/api/helpers', { token: navigator.navigatorToken, body: { name: 'Sam' } })).status).toBe(201);
  });
});
