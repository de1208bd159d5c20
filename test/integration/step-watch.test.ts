import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NavigatorAttendeeView } from '../../server/src/contract/views';
import { ProbeScheduler } from '../../server/src/probes/probe.scheduler';
import { ProbeWatcher } from '../fleet/room';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * The VM-side watch against a real sshd: the test workshop with no sweep for five minutes, so every
 * result after the first probe comes from the watch seeing the current step's builtin check change.
 */
let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let board: Socket;
const updates: NavigatorAttendeeView[] = [];
const latest = () => updates[updates.length - 1];

async function waitFor<T>(what: string, read: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last update: ${JSON.stringify(latest()?.checks)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  removeStaleTestUsers();
  sshd = await startSshd();
  user = createTestUser('navtwatch');
  const workshop = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navt-watch-')), 'workshop.yaml');
  fs.writeFileSync(
    workshop,
    fs
      .readFileSync(path.join(REPO_ROOT, 'test/fixtures/workshop.yaml'), 'utf8')
      .replace('intervalSeconds: 1', 'intervalSeconds: 300')
      .replace('cat ~/built', 'read -r line < ~/built; echo \\"$line\\"'),
  );
  navigator = await startTestNavigator({ NAVIGATOR_WORKSHOP_FILE: workshop, NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_WATCH_TICK_MS: '200' });
  const joined = (await navigator.request('POST', new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/'), {
    body: { displayName: 'Watched', host: '127.0.0.1', port: sshd.port, sshUser: user.name },
  })) as { body: { attendee: { authorizedKeysLine: string } } };
  sshd.setAuthorizedKeys(user.name, [joined.body.attendee.authorizedKeysLine]);
  board = io(navigator.url, {
    auth: { view: 'board' },
    extraHeaders: { cookie: `navigator_navigator=${navigator.navigatorToken}` },
    transports: ['websocket'],
  });
  board.on('roster:attendee', (a: NavigatorAttendeeView) => updates.push(a));
  board.on('roster:snapshot', (s: { attendees: NavigatorAttendeeView[] }) => updates.push(...s.attendees));
});

afterAll(async () => {
  board?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

describe('the watch on the VM', () => {
  it('sees the current step’s check change and probes the VM at once, with no sweep in between', async () => {
    const sweeps = new ProbeWatcher(navigator.app.get(ProbeScheduler));
    await waitFor('connected', () => latest()?.connection.state === 'connected');
    // The sweep is five minutes away: the first results come from the probe the watch asks for when it starts.
    await waitFor('first results', () => latest()?.checks.prepared?.status === 'fail');

    user.writeFile('prepared', '');
    const passed = await waitFor('prepared passes', () => (latest()?.checks.prepared?.status === 'pass' ? latest() : undefined));
    expect(passed.progress.currentStepId).toBe('build');
    // The watch follows the current step: now it reads ~/built (by a builtin, in this copy of the workshop).
    user.writeFile('built', 'ok\n');
    const built = await waitFor('built passes', () => (latest()?.checks.built?.status === 'pass' ? latest() : undefined));
    expect(built.progress.currentStepId).toBe('serve');
    expect(sweeps.sweepLog).toEqual([]);
  });
});
