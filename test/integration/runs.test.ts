import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrospectiveView, RoomOverTimeView, RunComparisonView, RunSummaryView } from '../../server/src/contract/retrospective';
import type { NoteAck } from '../../server/src/contract/events';
import type { HelpQueueView } from '../../server/src/contract/views';
import { registerAttendees, TestClient } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * Runs against real SQLite and a real sshd: a first run with a connected VM, a raised hand, groups and a note;
 * then a new run. The first is archived read-only with all of that, its VM let go, its links ended.
 */
let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let board: TestClient;
let ada: { id: string; token: string };
let firstRun: RunSummaryView;
let noteId = '';
let graceToken = '';
let helpRequestId = 0;
const nav = () => ({ cookie: `navigator_navigator=${navigator.navigatorToken}` });

/** Processes of the VM's login user: Navigator's kept-open shell is one while it is connected. */
function processesOf(name: string): number {
  try {
    return execFileSync('pgrep', ['-u', name], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

async function until<T>(what: string, read: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  sshd = await startSshd();
  user = createTestUser('navtretro');
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
  const registered = await navigator.request('POST', joinPath, { body: { displayName: 'Ada', host: '127.0.0.1', port: sshd.port, sshUser: user.name } });
  const body = registered.body as { attendee: { id: string; authorizedKeysLine: string }; personalPath: string };
  ada = { id: body.attendee.id, token: body.personalPath.split('/').pop()! };
  sshd.setAuthorizedKeys(user.name, [body.attendee.authorizedKeysLine]);
  graceToken = (await registerAttendees(navigator.request, navigator.joinUrl, ['Grace']))[0].token;
  board = new TestClient(navigator.url, 'board', nav().cookie);
});

afterAll(async () => {
  board?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

describe('a first run', () => {
  it('is the default: one active run holding what the room does', async () => {
    user.writeFile('prepared', '');
    await until('Ada connected and step 1 done', async () => {
      const roster = (await navigator.request('GET', '/api/attendees', nav())).body as { attendees: { id: string; progress: { doneCount: number } }[] };
      return roster.attendees.find((a) => a.id === ada.id)?.progress.doneCount === 1;
    });
    expect(processesOf(user.name)).toBeGreaterThan(0);

    const attendee = new TestClient(navigator.url, 'attendee', `navigator_attendee=${ada.token}`);
    await until('attendee socket', () => attendee.socket.connected);
    let queue: HelpQueueView | undefined;
    board.socket.on('help:snapshot', (view: HelpQueueView) => (queue = view));
    expect(await attendee.socket.emitWithAck('help:raise', { message: 'the build hangs' })).toEqual({ ok: true });
    await until('the hand in the help queue', () => (queue?.requests.length ?? 0) > 0);
    helpRequestId = queue!.requests[0].id;
    attendee.close();
    expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 1, strategy: 'random' })).toEqual({ ok: true });
    const view = await board.until('groups', (c) => c.discussion?.groups[0]);
    const note = (await board.socket.emitWithAck('note:create', { groupId: view.id, text: 'Trace slow SQL from PHP' })) as NoteAck;
    expect(note.ok).toBe(true);
    if (note.ok) noteId = note.note.id;

    const runs = (await navigator.request('GET', '/api/runs', nav())).body as RunSummaryView[];
    expect(runs).toHaveLength(1);
    firstRun = runs[0];
    expect(firstRun).toMatchObject({ number: 1, active: true, archivedAt: null, attendance: { registered: 2, connected: 1 }, version: { revision: 1 } });
  });
});

describe("the board's room over time", () => {
  it('follows the room live: Ada moves on to the next step, Grace is still not connected', async () => {
    const last = (series: RoomOverTimeView['series'], key: string) => series.find((s) => s.key === key)?.counts.at(-1);
    let latest: RoomOverTimeView | undefined;
    board.socket.on('room:snapshot', (view: RoomOverTimeView) => (latest = view));
    // A board opened now is sent the chart at once; pushes after changes follow every 10 s at most.
    const fresh = new TestClient(navigator.url, 'board', nav().cookie);
    let first: RoomOverTimeView | undefined;
    fresh.socket.on('room:snapshot', (view: RoomOverTimeView) => (first = view));
    await until('the chart sent to a new board', () => first !== undefined);
    fresh.close();
    expect(first!.series.map((s) => s.key)).toEqual(['prepare', 'build', 'serve', 'finished', 'not-connected']);
    user.writeFile('built', 'ok\n');
    await until(
      'a pushed chart with Ada past the build step',
      () => latest !== undefined && last(latest.series, 'prepare') === 0 && last(latest.series, 'build') === 0,
      30_000,
    );
    expect(latest!.series.reduce((sum, s) => sum + (s.counts.at(-1) ?? 0), 0)).toBe(2);
    expect(last(latest!.series, 'not-connected')).toBe(1);
  });
});

describe('starting a new run', () => {
  let oldJoinPath = '';

  it('archives the previous run with its attendance and starts an empty one with a new join code', async () => {
    oldJoinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
    const grace = new TestClient(navigator.url, 'attendee', `navigator_attendee=${graceToken}`);
    await until('Grace on her page', () => grace.socket.connected);
    let told = false;
    let closedBy = '';
    grace.socket.on('run:ended', () => (told = true));
    grace.socket.on('disconnect', (reason) => (closedBy = reason));
    const started = await navigator.request('POST', '/api/runs', nav());
    // Her page is told the run ended, then closed: her link ended with it.
    await until('Grace signed out', () => closedBy === 'io server disconnect');
    expect(told).toBe(true);
    expect(started.status).toBe(201);
    const runs = started.body as RunSummaryView[];
    expect(runs.map((r) => [r.number, r.active, r.attendance.registered])).toEqual([
      [2, true, 0],
      [1, false, 2],
    ]);
    expect(runs[1].archivedAt).not.toBeNull();
    const roster = (await navigator.request('GET', '/api/attendees', nav())).body as { attendees: unknown[]; workshop: { joinCode: string } };
    expect(roster.attendees).toEqual([]);
    expect(oldJoinPath).not.toContain(roster.workshop.joinCode);
    expect((await navigator.request('POST', oldJoinPath, { body: { displayName: 'Late', host: '127.0.0.1', port: 9, sshUser: 'late' } })).status).toBe(404);
    const fresh = await navigator.request('POST', `/api/join/${roster.workshop.joinCode}`, {
      body: { displayName: 'Linus', host: '127.0.0.1', port: 9, sshUser: 'linus' },
    });
    expect(fresh.status).toBe(201);
    // The board is sent the new run's roster at once.
    await board.until('the new roster', () => (board.discussion?.groups.length === 0 ? true : undefined));
  });

  it("closes the archived run's VM connections", async () => {
    await until('the kept-open shell gone from the VM', () => processesOf(user.name) === 0, 10_000);
  });

  it("ends the archived run's personal links", async () => {
    expect((await navigator.request('GET', '/api/me', { cookie: `navigator_attendee=${ada.token}` })).status).toBe(401);
  });

  it('keeps the archived run read-only: its notes, hands and attendees cannot be changed', async () => {
    const before = (await navigator.request('GET', `/api/runs/${firstRun.id}/retrospective`, nav())).body as RetrospectiveView;
    const update = (await board.socket.emitWithAck('note:update', { noteId, text: 'changed', version: 1 })) as NoteAck;
    expect(update.ok).toBe(false);
    expect(await board.socket.emitWithAck('help:acknowledge', { id: helpRequestId })).toMatchObject({ ok: false });
    // An archived attendee's id is in the run's exported data: removing them or re-issuing their link
    // would rewrite the archive (their transitions and hands go with them).
    expect((await navigator.request('DELETE', `/api/attendees/${ada.id}`, nav())).status).toBe(404);
    expect((await navigator.request('POST', `/api/attendees/${ada.id}/link`, nav())).status).toBe(404);
    expect((await navigator.request('GET', '/api/me', { cookie: `navigator_attendee=${ada.token}` })).status).toBe(401);
    const after = (await navigator.request('GET', `/api/runs/${firstRun.id}/retrospective`, nav())).body as RetrospectiveView;
    expect(after.discussion.groups[0].notes).toEqual([{ author: 'Navigator', text: 'Trace slow SQL from PHP' }]);
    expect(after.help).toEqual(before.help);
    expect(after.attendance).toEqual(before.attendance);
    expect(after.steps).toEqual(before.steps);
  });
});

describe("the archived run's retrospective", () => {
  it('has its attendees, transitions, hands, groups and notes', async () => {
    const response = await navigator.request('GET', `/api/runs/${firstRun.id}/retrospective`, nav());
    expect(response.status).toBe(200);
    const retro = response.body as RetrospectiveView;
    expect(retro.attendance).toMatchObject({ registered: 2, connected: 1, neverConnected: 1 });
    expect(retro.steps[0]).toMatchObject({ id: 'prepare', reached: 1, finished: 1 });
    expect(retro.help.raised).toBe(1);
    expect(retro.help.perStep.find((s) => s.stepId === 'build')).toMatchObject({ raised: 1, unanswered: 1 });
    expect(retro.unreachable.attendees.map((a) => [a.name, Object.keys(a.byReason)])).toEqual([['Grace', ['refused']]]);
    expect(retro.discussion.groups[0].members.sort()).toEqual(['Ada', 'Grace']);
  });

  it('exports Markdown and the raw data as JSON', async () => {
    const markdown = await navigator.request('GET', `/api/runs/${firstRun.id}/retrospective.md`, nav());
    expect(markdown.headers.get('content-disposition')).toContain('attachment');
    for (const heading of [
      '## Fix first',
      '## Steps: planned against measured',
      '## Where people got stuck',
      '## Unreachable VMs',
      '## Hands raised',
      '## The room over time',
      '## Discussion',
    ])
      expect(markdown.body as string).toContain(heading);
    expect(markdown.body as string).toContain('Trace slow SQL from PHP');
    const data = (await navigator.request('GET', `/api/runs/${firstRun.id}/data.json`, nav())).body as {
      format: string;
      transitions: { check: string | null; to: string }[];
    };
    expect(data.format).toBe('navigator-run/1');
    expect(data.transitions).toContainEqual(expect.objectContaining({ check: 'prepared', to: 'pass' }));
  });

  it('compares with the new run side by side', async () => {
    const runs = (await navigator.request('GET', '/api/runs', nav())).body as RunSummaryView[];
    const comparison = (await navigator.request('GET', `/api/runs/compare?a=${firstRun.id}&b=${runs[0].id}`, nav())).body as RunComparisonView;
    expect(comparison.steps.map((s) => s.id)).toEqual(['prepare', 'build', 'serve']);
    expect(comparison.a.number).toBe(1);
    expect(comparison.b.number).toBe(2);
  });

  it('is for the navigator, or whoever has its share link until it is revoked', async () => {
    expect((await navigator.request('GET', `/api/runs/${firstRun.id}/retrospective`)).status).toBe(401);
    expect((await navigator.request('GET', `/api/runs/${firstRun.id}/retrospective`, { token: navigator.projectorToken })).status).toBe(401);
    const shared = (await navigator.request('POST', `/api/runs/${firstRun.id}/share`, nav())).body as { sharePath: string };
    const token = shared.sharePath.split('/').pop()!;
    const open = await navigator.request('GET', `/api/shared/${token}/retrospective`);
    expect(open.status).toBe(200);
    expect((open.body as RetrospectiveView).run.id).toBe(firstRun.id);
    expect((await navigator.request('GET', `/api/shared/${token}/retrospective.md`)).status).toBe(200);
    expect((await navigator.request('DELETE', `/api/runs/${firstRun.id}/share`, nav())).status).toBe(204);
    expect((await navigator.request('GET', `/api/shared/${token}/retrospective`)).status).toBe(404);
  });
});
