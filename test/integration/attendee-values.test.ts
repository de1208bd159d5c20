import fs from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NavigatorAttendeeView, PublicAttendeeView } from '../../server/src/contract/views';
import { NavigatorLogger } from '../../server/src/logging/navigator.logger';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * A secret attendee value (format version 2) end to end against a real sshd: the ssh check reads it
 * from its environment, and it is never in any process' command line on the VM, the board's or the
 * projector's socket, the exports, or the server's log.
 */
const SECRET = 'Zq9-secret-7Hx';
let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let board: Socket;
let projector: Socket;
const boardFrames: string[] = [];
const projectorFrames: string[] = [];
const updates: NavigatorAttendeeView[] = [];
let logged = '';
let restoreStdout: () => void = () => undefined;

beforeAll(async () => {
  removeStaleTestUsers();
  sshd = await startSshd();
  user = createTestUser('navtvalues');
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    logged += chunk.toString();
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  restoreStdout = () => (process.stdout.write = write);
  navigator = await startTestNavigator({
    NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true',
    NAVIGATOR_WORKSHOP_FILE: `${REPO_ROOT}/test/fixtures/workshop-v2-values.yaml`,
    NAVIGATOR_LOG_FORMAT: 'json',
  });
  const onAll = (socket: Socket, frames: string[]) => socket.onAny((event: string, ...args: unknown[]) => frames.push(`${event} ${JSON.stringify(args)}`));
  board = io(navigator.url, {
    auth: { view: 'board' },
    extraHeaders: { cookie: `navigator_navigator=${navigator.navigatorToken}` },
    transports: ['websocket'],
  });
  projector = io(navigator.url, {
    auth: { view: 'projector' },
    extraHeaders: { cookie: `navigator_projector=${navigator.projectorToken}` },
    transports: ['websocket'],
  });
  onAll(board, boardFrames);
  onAll(projector, projectorFrames);
  board.on('roster:attendee', (a: NavigatorAttendeeView) => updates.push(a));
});

afterAll(async () => {
  restoreStdout();
  board?.close();
  projector?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

async function waitFor<T>(what: string, read: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last update: ${JSON.stringify(updates[updates.length - 1]?.checks)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every process' command line of the VM's user: what `ps` shows the VM's other users. */
function commandLinesOf(uid: number): string[] {
  const lines: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.statSync(`/proc/${pid}`).uid !== uid) continue;
      lines.push(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // gone meanwhile
    }
  }
  return lines;
}

describe('a secret attendee value', () => {
  it('is asked at registration, refused when missing, and reaches the ssh check only through its environment', async () => {
    const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
    const info = await navigator.request('GET', joinPath);
    expect((info.body as { attendeeValues: unknown }).attendeeValues).toEqual([
      { name: 'pw', label: 'Your Grafana password', type: 'text', secret: true, required: true },
    ]);
    const registration = { displayName: 'Values', host: '127.0.0.1', port: sshd.port, sshUser: user.name };
    const missing = await navigator.request('POST', joinPath, { body: registration });
    expect(missing.status).toBe(400);
    expect((missing.body as { fields: Record<string, string> }).fields).toEqual({ 'values.pw': 'enter Your Grafana password' });
    expect(missing.body).toMatchObject({ fieldErrors: { 'values.pw': { code: 'form.value_required', values: { label: 'Your Grafana password' } } } });

    const joined = await navigator.request('POST', joinPath, { body: { ...registration, values: { pw: SECRET } } });
    expect(joined.status).toBe(201);
    const body = joined.body as { attendee: { authorizedKeysLine: string; values: unknown }; personalPath: string };
    expect(body.attendee.values).toEqual({ pw: { given: true } });
    expect(JSON.stringify(joined.body)).not.toContain(SECRET);
    sshd.setAuthorizedKeys(user.name, [body.attendee.authorizedKeysLine]);

    const failing = await waitFor('the check fails', () => updates.find((u) => u.checks['password-set']?.status === 'fail'));
    expect(failing.checks['password-set'].reason).toMatchObject({ values: { exitCode: 1 } });

    user.writeFile('pw', SECRET);
    const uid = fs.statSync(user.home).uid;
    const seen = new Set<string>();
    const passed = await waitFor('the check passes', () => {
      for (const line of commandLinesOf(uid)) seen.add(line);
      return updates.find((u) => u.checks['password-set']?.status === 'pass');
    });
    // The check ran (it sleeps a second each time): its shell and sleep were seen, never with the value.
    expect([...seen].some((line) => line.startsWith('sleep 1'))).toBe(true);
    expect([...seen].filter((line) => line.includes(SECRET))).toEqual([]);
    // What the check printed reaches the attendee's page with the value redacted.
    const me = await navigator.request('GET', '/api/me', { cookie: `navigator_attendee=${body.personalPath.split('/').pop()}` });
    expect((me.body as NavigatorAttendeeView).checks['password-set'].output).toBe('matches [secret]');
    expect(passed.progress.steps.login).toBe('done');
  });

  it('is never on the board, the projector, in the exports or in the log', async () => {
    const exports = await Promise.all(
      ['discussion.md', 'discussion.json', 'progress.csv', 'timeline.json'].map((file) =>
        navigator.request('GET', `/api/export/${file}`, { token: navigator.navigatorToken }),
      ),
    );
    for (const response of exports) {
      expect(response.status).toBe(200);
      expect(JSON.stringify(response.body)).not.toContain(SECRET);
    }
    const roster = await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken });
    const projectorRoster = await navigator.request('GET', '/api/projector/roster', { token: navigator.projectorToken });
    expect((projectorRoster.body as { attendees: PublicAttendeeView[] }).attendees).toHaveLength(1);
    for (const text of [JSON.stringify(roster.body), JSON.stringify(projectorRoster.body), ...boardFrames, ...projectorFrames])
      expect(text).not.toContain(SECRET);
    expect(projectorFrames.length).toBeGreaterThan(0);
    // Whatever would log it (a check's error, a library's message) is written redacted: the server protects every secret value given.
    navigator.app.get(NavigatorLogger).error(`a line that names ${SECRET}`, 'AttendeeValuesTest');
    await waitFor('the line is written', () => logged.includes('a line that names'));
    expect(logged).toContain('a line that names [redacted]');
    expect(logged).not.toContain(SECRET);
  });
});
