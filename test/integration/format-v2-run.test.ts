import type { LocalizedText } from '../../server/src/contract/i18n/locales';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  JoinInfo,
  NavigatorAttendeeView,
  PaceView,
  PublicAttendeeView,
  RosterSnapshot,
  SelfView,
  TimelineEntryView,
} from '../../server/src/contract/views';
import { MetricsService } from '../../server/src/metrics/metrics.service';
import { TestClient } from '../support/clients';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, freePort, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * A version 2 workshop (test/fixtures/workshop-v2-run.yaml) run through the real server against a real
 * sshd, one attendee going through it: a var captured on the VM used by later checks and by their
 * hints, a talk on the agenda, an optional step, sticky checks, a block done in any order, and http
 * checks with basic auth, a header and metric max / absent against an API on the VM's localhost,
 * reached through the SSH forward. The VM is a throwaway user whose home directory is its state.
 */
const PASSWORD = 'api-Pw-4417';
let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let board: TestClient;
let api: http.Server;
let attendeeId: string;
let attendeeCookie: string;
let workshopFile: string;
const updates: NavigatorAttendeeView[] = [];
const paces: (PaceView | null)[] = [];
const env = () => ({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_WORKSHOP_FILE: workshopFile });

/** What the API on the VM answers, changed by the tests; and what it was asked. */
const apiState = { password: PASSWORD, queueDepth: 3, errors: false };
const apiRequests: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  removeStaleTestUsers();
  sshd = await startSshd();
  user = createTestUser('navtv2run');
  // The VM's PHP is 8.3; the workshop's default is 8.1, and what a check would look for with the default exists too.
  user.writeFile('bin/php', '#!/bin/sh\necho "PHP $(cat ~/php-release) (cli) (built: Jan  1 2025)"\n');
  user.writeFile('php-release', '8.3.6');
  user.writeFile('php8.1/ext.so', '');
  user.writeFile('php8.1/ext.ini', 'extension=ext.so');

  api = http.createServer((req, res) => {
    apiRequests.push(req.headers);
    const authorized = req.headers.authorization === `Basic ${Buffer.from(`navigator:${apiState.password}`).toString('base64')}`;
    if (!authorized || (req.url === '/status' && req.headers['x-team'] !== 'blue')) {
      res.writeHead(401).end('who are you?');
      return;
    }
    if (req.url === '/status') res.end('ok');
    else res.end(`# TYPE queue_depth gauge\nqueue_depth ${apiState.queueDepth}\n${apiState.errors ? 'app_errors_total 2\n' : ''}`);
  });
  const apiPort = await freePort();
  await new Promise<void>((resolve) => api.listen(apiPort, '127.0.0.1', resolve));
  workshopFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navt-v2-run-')), 'workshop.yaml');
  fs.writeFileSync(workshopFile, fs.readFileSync(`${REPO_ROOT}/test/fixtures/workshop-v2-run.yaml`, 'utf8').replaceAll('port: 18080', `port: ${apiPort}`));

  navigator = await startTestNavigator(env());
  board = openBoard();
  const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
  const joined = await navigator.request('POST', joinPath, {
    body: { displayName: 'Runner', host: '127.0.0.1', port: sshd.port, sshUser: user.name, values: { apiPassword: PASSWORD } },
  });
  expect(joined.status).toBe(201);
  const body = joined.body as { attendee: SelfView; personalPath: string };
  attendeeId = body.attendee.id;
  attendeeCookie = `navigator_attendee=${body.personalPath.split('/').pop()}`;
  // The line permits forwarding to exactly the API's port: the http checks go through it.
  expect(body.attendee.authorizedKeysLine).toContain(`permitopen="127.0.0.1:${apiPort}"`);
  sshd.setAuthorizedKeys(user.name, [body.attendee.authorizedKeysLine]);
});

afterAll(async () => {
  board?.close();
  api?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

function openBoard(): TestClient {
  const client = new TestClient(navigator.url, 'board', `navigator_navigator=${navigator.navigatorToken}`);
  client.socket.on('roster:attendee', (view) => updates.push(view as NavigatorAttendeeView));
  client.socket.on('pace:snapshot', (pace) => paces.push(pace));
  return client;
}

/** The latest board update about the attendee that meets `test`. */
const untilUpdate = (what: string, test: (view: NavigatorAttendeeView) => boolean, timeoutMs = 20_000) =>
  board.until(
    what,
    () => {
      const latest = updates.at(-1);
      return latest && test(latest) ? latest : undefined;
    },
    timeoutMs,
  );

/** For what only a request tells (the server's own counters): asked again until it holds. */
async function eventually<T>(what: string, read: () => Promise<T | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const me = async () => (await navigator.request('GET', '/api/me', { cookie: attendeeCookie })).body as SelfView;
const timeline = async () =>
  (await navigator.request('GET', `/api/attendees/${attendeeId}/timeline`, { token: navigator.navigatorToken })).body as TimelineEntryView[];
const hintOf = (steps: { id: string; hint: LocalizedText }[], id: string) => steps.find((step) => step.id === id)?.hint;

describe('a version 2 workshop, run for real', () => {
  it('has its talk on the agenda: the clock starts in it, the plan is a talk ahead, and it is no step', async () => {
    const roster = (await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as RosterSnapshot;
    expect(roster.workshop.steps.map((step) => step.id)).toEqual(['warmup', 'php', 'once', 'config', 'service', 'api']);
    expect(roster.workshop.steps.find((step) => step.id === 'warmup')?.optional).toBe(true);
    const ack = await board.socket.emitWithAck('clock:control', { action: 'start' });
    expect(ack).toEqual({ ok: true });
    const pace = await board.until('the pace once the clock runs', () => paces.at(-1));
    // Nobody has done a step: the median attendee's step starts after the one-minute talk (and the optional warm-up), so the room is a minute ahead.
    expect(pace).toMatchObject({ plannedTalk: 'Welcome', plannedStepIndex: 0, medianDone: 0 });
    expect(pace.minutesAhead).toBeGreaterThanOrEqual(0.9);
    expect(pace.minutesAhead).toBeLessThanOrEqual(1.1);
  });

  it('finds the var on the VM before the checks using it run, never runs them with the default, and puts it in the attendee’s hints', async () => {
    const first = await untilUpdate(
      'the PHP checks have run',
      (view) => view.checks['php-version']?.status === 'pass' && view.checks['extension-built'] !== undefined,
    );
    // Run with the VM's 8.3 (the default's files exist, so 8.1 would have passed), in the same sweep as the capture.
    expect(first.checks['extension-built']).toMatchObject({
      status: 'fail',
      reason: { code: expect.stringMatching(/^check\.exit_code/), values: { exitCode: 1 } },
    });
    expect(first.checks['extension-enabled']).toMatchObject({
      status: 'fail',
      reason: { code: expect.stringMatching(/^check\.exit_code/), values: { exitCode: 1 } },
    });

    const self = await me();
    expect(self.foundVars).toEqual({ php: '8.3' });
    const mine = (await navigator.request('GET', '/api/me/workshop', { cookie: attendeeCookie })).body as JoinInfo;
    expect(hintOf(mine.steps, 'php')).toBe('Build it for your PHP: `phpize8.3`, then copy it to ~/php8.3/.');
    // The board and the projector show the room the workshop's default.
    const projector = (await navigator.request('GET', '/api/projector/roster', { token: navigator.projectorToken })).body as RosterSnapshot<PublicAttendeeView>;
    expect(hintOf(projector.workshop.steps, 'php')).toBe('Build it for your PHP: `phpize8.1`, then copy it to ~/php8.1/.');
    const roster = (await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as RosterSnapshot;
    expect(hintOf(roster.workshop.steps, 'php')).toContain('phpize8.1');

    // Held on the step for several sweeps (until the step is overdue: 3 s planned), the sticky check never passes.
    const stuck = await untilUpdate('the attendee is stuck on the PHP step', (view) => view.progress.stuck?.kind === 'overdue');
    expect(stuck.progress).toMatchObject({ currentStepId: 'php', stuck: { plannedMinutes: 0.05 } });
    expect(updates.filter((view) => view.checks['extension-built']?.status === 'pass')).toEqual([]);
    expect((await timeline()).filter((entry) => entry.checkId === 'extension-built')).toEqual([
      expect.objectContaining({ from: null, to: 'fail', reason: expect.stringMatching(/^exit code 1/) }),
    ]);

    user.writeFile('php8.3/ext.so', '');
    user.writeFile('php8.3/ext.ini', 'extension=ext.so');
    const done = await untilUpdate('the PHP step is done', (view) => view.progress.steps.php === 'done');
    expect(done.checks['extension-built'].status).toBe('pass');
    expect(done.checks['extension-enabled'].status).toBe('pass');
  });

  it('keeps a sticky check passed for its step once it passed, while the board’s drawer shows it failing now', async () => {
    await untilUpdate('the trace step is current', (view) => view.progress.currentStepId === 'once');
    user.writeFile('traced', '');
    await untilUpdate('the trace step is done', (view) => view.progress.steps.once === 'done');
    user.removeFile('traced');
    const after = await untilUpdate('the trace check fails now', (view) => view.checks.traced?.status === 'fail');
    expect(after.progress.steps.once).toBe('done');
    expect(after.progress.currentStepId).toBe('config');
    const projector = (await navigator.request('GET', '/api/projector/roster', { token: navigator.projectorToken })).body as RosterSnapshot<PublicAttendeeView>;
    expect(projector.attendees[0].progress.steps.once).toBe('done');
  });

  it('counts the second step of a block done before the first', async () => {
    const before = await untilUpdate('both block steps are current', (view) => view.progress.currentStepId === 'config');
    // The block's steps are all current: either may be the one being done.
    expect(before.progress.steps.service).toBe('current');
    user.writeFile('service', '');
    const second = await untilUpdate('the second step of the block is done', (view) => view.progress.steps.service === 'done');
    expect(second.progress.currentStepId).toBe('config');
    expect(second.progress.doneCount).toBe(before.progress.doneCount + 1);
    user.writeFile('config', '');
    const both = await untilUpdate('the block is done', (view) => view.progress.steps.config === 'done');
    expect(both.progress.doneCount).toBeGreaterThanOrEqual(before.progress.doneCount + 2);
    expect(both.progress.currentStepId).not.toBe('config');
  });

  it('asks an API on the VM through the SSH forward with basic auth and a header, and reads its metrics with max and absent', async () => {
    const passing = await untilUpdate('the API checks pass', (view) =>
      ['api-auth', 'queue-short', 'no-errors'].every((id) => view.checks[id]?.status === 'pass'),
    );
    expect(passing.progress.steps.api).toBe('done');
    const authorization = `Basic ${Buffer.from(`navigator:${PASSWORD}`).toString('base64')}`;
    expect(apiRequests).toContainEqual(expect.objectContaining({ authorization, 'x-team': 'blue' }));
    expect(apiRequests).toContainEqual(expect.objectContaining({ authorization }));

    apiState.queueDepth = 9;
    const longQueue = await untilUpdate('the queue check fails', (view) => view.checks['queue-short']?.status === 'fail');
    expect(longQueue.checks['queue-short'].reason).toEqual({
      code: 'check.metric_value',
      values: { metric: 'queue_depth', value: 9, range: 'at_most', max: 5 },
    });
    apiState.errors = true;
    const errors = await untilUpdate('the errors check fails', (view) => view.checks['no-errors']?.status === 'fail');
    expect(errors.checks['no-errors'].reason).toEqual({ code: 'check.metric_present', values: { metric: 'app_errors_total', value: 2 } });
    // The API refuses another password: the check depends on the credentials it sends.
    apiState.password = 'something-else';
    const refused = await untilUpdate('the API refuses', (view) => view.checks['api-auth']?.status === 'fail');
    expect(refused.checks['api-auth'].reason).toMatchObject({ code: 'check.http_status', values: { status: 401, expected: 200 } });
    Object.assign(apiState, { password: PASSWORD, queueDepth: 3, errors: false });
    await untilUpdate('the API checks pass again', (view) => view.progress.steps.api === 'done');
    expect(JSON.stringify(updates)).not.toContain(PASSWORD);
  });

  it('never makes an optional step current or stuck, and does not count it done', async () => {
    const now = updates.at(-1)!;
    // Every other step is done: the warm-up (0.6 s planned), left undone far longer than that while the attendee was stuck on the PHP step, is not current.
    expect(now.progress).toMatchObject({ currentStepId: null, stuck: null, doneCount: 5 });
    expect(now.progress.steps.warmup).toBe('not_yet');
    expect(
      updates.some(
        (view) => view.progress.currentStepId === 'warmup' || (view.progress.stuck?.kind === 'overdue' && view.progress.stuck.plannedMinutes === 0.01),
      ),
    ).toBe(false);
    user.writeFile('warmup', '');
    const warm = await untilUpdate('the warm-up is done', (view) => view.progress.steps.warmup === 'done');
    expect(warm.progress.doneCount).toBe(5);
  });

  it('after a restart, finds the var again before a check using it runs: it never runs with the default', async () => {
    // From now on the default's files are gone: a check run with 8.1 would fail.
    user.removeFile('php8.1');
    const restartedAt = new Date();
    board.close();
    await navigator.stop();
    navigator = await startTestNavigator(env(), navigator.dataDir);
    updates.length = 0;
    board = openBoard();
    const results = async () => {
      const metric = await (navigator.app.get(MetricsService).registry.getSingleMetric('navigator_check_results_total') as Counter<'check' | 'status'>).get();
      return Object.fromEntries(metric.values.filter((v) => v.labels.check === 'extension-enabled').map((v) => [String(v.labels.status), v.value]));
    };
    const seen = await eventually('the restarted server has run the check twice', async () => {
      const counts = await results();
      return Object.values(counts).reduce((sum: number, n: number) => sum + n, 0) >= 2 && counts;
    });
    expect(seen).toEqual({ pass: expect.any(Number) });
    const since = (await timeline()).filter((entry) => entry.checkId === 'extension-enabled' && new Date(entry.at) >= restartedAt);
    expect(since).toEqual([]);
    expect((await me()).foundVars).toEqual({ php: '8.3' });
  });
});
