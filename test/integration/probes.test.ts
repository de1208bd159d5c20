import http from 'node:http';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCoded, type Coded } from '../../server/src/contract/i18n/coded';
import type { NavigatorAttendeeView } from '../../server/src/contract/views';
import { PrismaService } from '../../server/src/prisma/prisma.service';
import { ProbeScheduler } from '../../server/src/probes/probe.scheduler';
import { ProbeWatcher } from '../fleet/room';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * The probe loop end to end against a real sshd: the test user's home is the VM's state, and a
 * stand-in ebpf_exporter (it cannot be installed here) serves its text format on the VM's localhost.
 */
let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let board: Socket;
let exporter: http.Server;
let exporterBody = '';
let attendeeToken = '';
const updates: NavigatorAttendeeView[] = [];

beforeAll(async () => {
  removeStaleTestUsers();
  sshd = await startSshd();
  user = createTestUser('navtprobe');
  exporter = http.createServer((_req, res) => res.end(exporterBody));
  await new Promise<void>((resolve) => exporter.listen(9435, '127.0.0.1', resolve));
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const keyLine = (await navigator.request('POST', new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/'), {
    body: { displayName: 'Probe', host: '127.0.0.1', port: sshd.port, sshUser: user.name },
  })) as { body: { attendee: { authorizedKeysLine: string }; personalPath: string } };
  attendeeToken = keyLine.body.personalPath.split('/').pop()!;
  sshd.setAuthorizedKeys(user.name, [keyLine.body.attendee.authorizedKeysLine]);
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
  exporter?.close();
  await sshd?.stop();
  user?.remove();
});

const latest = () => updates[updates.length - 1];

async function waitFor<T>(what: string, read: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last update: ${JSON.stringify(latest()?.checks)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const codeOf = (reason: Coded | string | null | undefined) => (isCoded(reason) ? reason.code : reason);

describe('the probe loop against a real sshd', () => {
  it('connects and reports each check: fail with a reason, then pass as the VM changes', async () => {
    await waitFor('connected', () => latest()?.connection.state === 'connected');
    const first = await waitFor('first results', () => (latest()?.checks.prepared ? latest() : undefined));
    expect(first.checks.prepared).toMatchObject({
      status: 'fail',
      reason: { code: 'check.exit_code_command', values: { exitCode: 1, command: 'test -f ~/prepared' } },
    });
    expect(first.checks['exporter-up']).toMatchObject({
      status: 'fail',
      reason: { code: 'check.metric_missing', values: { metric: 'ebpf_exporter_enabled_configs' } },
    });
    expect(first.progress).toMatchObject({ currentStepId: 'prepare', doneCount: 0 });

    user.writeFile('prepared', '');
    const changedAt = Date.now();
    const prepared = await waitFor('prepared passes', () => (latest()?.checks.prepared?.status === 'pass' ? latest() : undefined));
    expect(prepared.progress.steps.prepare).toBe('done');
    expect(prepared.progress.currentStepId).toBe('build');
    // One probe interval (1 s in the test workshop) plus the push.
    expect(Date.now() - changedAt).toBeLessThan(3000);

    user.writeFile('built', 'nope\n');
    const failing = await waitFor('built fails on output', () => (codeOf(latest()?.checks.built?.reason) === 'check.output_mismatch' ? latest() : undefined));
    // Boards get the output tail of what fails (it says why), not of what passes (every update goes to every board).
    expect(failing.checks.built.output).toContain('nope');
    expect(failing.checks.prepared).toMatchObject({ status: 'pass', output: null });
    user.writeFile('built', 'ok\n');
    exporterBody = '# TYPE ebpf_exporter_enabled_configs gauge\nebpf_exporter_enabled_configs{name="php"} 1\n';
    const done = await waitFor('all done', () => (latest()?.progress.doneCount === 3 ? latest() : undefined));
    expect(done.progress.currentStepId).toBeNull();
    // A passing check's output: not on the boards, but on the attendee's own page.
    expect(done.checks.built).toMatchObject({ status: 'pass', output: null });
    const me = (await navigator.request('GET', '/api/me', { token: attendeeToken })).body as NavigatorAttendeeView;
    expect(me.checks.built).toMatchObject({ status: 'pass', output: 'ok' });

    user.removeFile('prepared');
    const regressed = await waitFor('regression seen', () => (latest()?.checks.prepared?.status === 'fail' ? latest() : undefined));
    expect(regressed.progress).toMatchObject({ currentStepId: 'prepare', steps: { prepare: 'failing', build: 'done', serve: 'done' } });
  });

  it('stores transitions, not every result', async () => {
    const prisma = navigator.app.get(PrismaService);
    const before = await prisma.transition.count({ where: { checkId: { not: null } } });
    // Three more sweeps of an unchanged VM add nothing to the history: counted, not waited for by the clock.
    const sweeps = async () =>
      Number(/^navigator_sweep_duration_seconds_count (\d+)/m.exec((await navigator.request('GET', '/metrics')).body as string)?.[1] ?? 0);
    const sweptBefore = await sweeps();
    await waitFor('three more sweeps', async () => ((await sweeps()) >= sweptBefore + 3 ? true : undefined));
    expect(await prisma.transition.count({ where: { checkId: { not: null } } })).toBe(before);
    const prepared = await prisma.transition.findMany({ where: { checkId: 'prepared' }, orderBy: { id: 'asc' } });
    expect(prepared.map((t) => `${t.fromStatus}->${t.toStatus}`)).toEqual(['null->fail', 'fail->pass', 'pass->fail']);
    const vm = await prisma.transition.findMany({ where: { checkId: null }, orderBy: { id: 'asc' } });
    // Each VM transition names where it came from, even with "connecting" in between.
    expect(vm.at(-1)?.toStatus).toBe('connected');
    vm.forEach((t, i) => expect(t.fromStatus).toBe(i === 0 ? null : vm[i - 1].toStatus));
    expect((await navigator.request('GET', '/metrics')).body).toMatch(/navigator_check_results_total\{check="prepared",status="fail"\} [1-9]/);
  });

  it('pushes each transition to the board socket from the result itself, before the next sweep starts', async () => {
    // Ordered events, not a time limit a busy machine stretches: a push that waited for a later tick
    // or a batch would arrive after the next sweep began. The delays are printed for the record.
    const sweeps = new ProbeWatcher(navigator.app.get(ProbeScheduler));
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const want = i % 2 === 0 ? 'pass' : 'fail'; // it starts failing (the test above removed the file)
      if (want === 'fail') user.removeFile('prepared');
      else user.writeFile('prepared', '');
      const seen = await waitFor(`prepared ${want}`, () => {
        const update = updates.findLast((u) => u.checks.prepared?.status === want);
        return update && update === latest() ? { update, receivedAt: Date.now(), sweepsStarted: sweeps.sweepLog.length } : undefined;
      });
      // `since` is when the result was diffed into a transition: the same clock, in this process.
      const since = Date.parse(seen.update.checks.prepared.since);
      const startedAfterResult = sweeps.sweepLog.slice(0, seen.sweepsStarted).filter((sweep) => sweep.startedAt > since);
      expect(startedAfterResult, `transition ${i} (${want}) reached the board only after another sweep had started`).toEqual([]);
      delays.push(seen.receivedAt - since);
    }
    console.log(`result → board socket: ${delays.join(', ')} ms`);
  });
});
