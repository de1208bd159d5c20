import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishReason } from '../../server/src/contract/i18n/english';
import { DomainEventBus } from '../../server/src/common/domain-events';
import { ProbeScheduler } from '../../server/src/probes/probe.scheduler';
import { ProgressService } from '../../server/src/progress/progress.service';
import { WorkshopsService } from '../../server/src/workshops/workshops.service';
import { DelayProxy } from '../fleet/delay-proxy';
import { Fleet, type FleetVm } from '../fleet/fleet';
import { BoardWatcher, ProbeWatcher, registerFleet, type RegisteredVm } from '../fleet/room';
import { SimulatedVm, STEPS } from '../fleet/scenario';
import { keepingKitRoot, REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';

/**
 * Attendees' VMs as they really come: a slow link, an sshd that forbids forwarding, accounts that
 * cannot run commands, and 60 attendees behind one stock sshd, each a VM of the fleet (real sshd in
 * its own network namespace) against Navigator running the default workshop's checks. Goals are
 * counted in sweeps (a busy machine stretches wall time, not sweeps). Navigator's own stall
 * (SIGSTOP) is in fleet-stall.test.ts, with the server in a process of its own.
 */
const BASTION_USERS = 60;
const canRun = process.getuid?.() === 0;

const VM = { control: 0, slowLink: 1, noForwarding: 2, forceCommand: 3, nologin: 4, bastion: 5, control2: 6 } as const;
const FORCED_TEXT = 'This VM only forwards ports for the workshop.';

let fleet: Fleet;
let navigator: TestNavigator;
let dataDir: string;
let workshopFile: string;
let proxy: DelayProxy;
let room: RegisteredVm[];
let bastion: string[] = [];
let probes: ProbeWatcher;
let progress: ProgressService;
let registeredAt = 0;
const slowStates: { at: number; line: string }[] = [];

async function start(): Promise<void> {
  // The slow link's delaying proxy listens on this machine's bridge address, which the address policy refuses like
  // loopback unless that is allowed.
  navigator = await startTestNavigator({ NAVIGATOR_WORKSHOP_FILE: workshopFile, NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' }, dataDir);
  probes = new ProbeWatcher(navigator.app.get(ProbeScheduler));
  progress = navigator.app.get(ProgressService);
}

const id = (index: number) => room.find((vm) => vm.index === index)!.attendeeId;

describe.skipIf(!canRun)('attendees’ VMs as they really come (needs root: network namespaces, users)', () => {
  beforeAll(async () => {
    fleet = await Fleet.up({
      size: 7,
      variants: {
        [VM.noForwarding]: { sshdMatchAll: ['AllowTcpForwarding no'] },
        [VM.forceCommand]: { sshdMatchAll: [`ForceCommand echo "${FORCED_TEXT}"`] },
        [VM.nologin]: { shell: '/usr/sbin/nologin' },
        [VM.bastion]: { extraUsers: BASTION_USERS, logLevel: 'INFO' },
      },
    });
    workshopFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-realism-')), 'ebpf-php.yaml');
    fs.writeFileSync(
      workshopFile,
      keepingKitRoot(fs.readFileSync(path.join(REPO_ROOT, 'checks/ebpf-php.yaml'), 'utf8').replace('checkTimeoutSeconds: 10', 'checkTimeoutSeconds: 4')),
    );
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-realism-data-'));
    await start();
    for (const vm of fleet.vms) {
      new SimulatedVm(fleet, vm.index).apply(STEPS.indexOf('exporter') + 1);
      fleet.unit(vm.index, 'ebpf_exporter', { active: true });
    }
    // The slow link: a 2 s round trip (1 s each way) from the start, through the delaying proxy on the bridge.
    proxy = new DelayProxy({ host: fleet.vm(VM.slowLink).address, port: 22 });
    proxy.delayMs = 1000;
    await proxy.listen('198.18.0.1');
    const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
    const slowLink = (vm: FleetVm) => vm.index === VM.slowLink;
    room = await registerFleet(
      navigator.url,
      joinPath,
      fleet,
      8,
      () => null,
      (vm) => !slowLink(vm),
    );
    // The slow link's attendee registers with the key already on the VM, so the first login is the one timed.
    registeredAt = Date.now();
    room.push(...(await registerFleet(navigator.url, joinPath, fleet, 1, () => ({ host: '198.18.0.1', port: proxy.port }), slowLink)));
    const slowId = id(VM.slowLink);
    navigator.app.get(DomainEventBus).on('progress.changed', ({ attendeeId }) => {
      if (attendeeId !== slowId) return;
      const c = progress.connectionOf(attendeeId);
      const line = `${c.state}${c.reason ? `:${c.reason}` : ''}${c.message ? ` (${englishReason(c.message)})` : ''}`;
      if (slowStates.at(-1)?.line !== line) slowStates.push({ at: Date.now() - registeredAt, line });
    });
  }, 180_000);

  afterAll(async () => {
    await navigator?.stop();
    await proxy?.close();
    await fleet?.stop();
  });

  it('slow link (2 s round trip): connected within 30 s, then results on every sweep', async () => {
    await probes
      .until('slow link connected', () => progress.connectionOf(id(VM.slowLink)).state === 'connected', 60_000)
      .catch((error: Error) => {
        throw new Error(`${error.message}; states: ${JSON.stringify(slowStates)}`);
      });
    const connectedAfter = Date.now() - registeredAt;
    // The first probe opens the shell and the forwarded channels; after that each sweep must bring results.
    await probes.until('first results over the slow link', () => probes.probes.some((p) => p.attendeeId === id(VM.slowLink) && p.ok));
    const from = probes.probes.length;
    await probes.sweeps(3);
    const slow = probes.probes.slice(from).filter((p) => p.attendeeId === id(VM.slowLink));
    console.log(
      `slow link: connected ${connectedAfter} ms after registration; probes over 3 sweeps: ${slow.map((p) => `${p.ok ? 'ok' : 'skipped'} ${Math.round(p.ms)} ms`).join(', ')}`,
    );
    console.log(`slow link states: ${JSON.stringify(slowStates)}`);
    expect(connectedAfter).toBeLessThan(30_000);
    expect(progress.connectionOf(id(VM.slowLink))).toMatchObject({ state: 'connected', reason: null });
    // Every sweep brought results: no probe skipped (still in flight from the sweep before) or failed.
    expect(slow.length).toBeGreaterThanOrEqual(2);
    expect(slow.filter((p) => !p.ok)).toEqual([]);
    expect(progress.checksOf(id(VM.slowLink)).get('exporter-php-enabled')?.status).toBe('pass');
  }, 120_000);

  it('AllowTcpForwarding no: the app answers, and its checks say forwarding is not permitted (a VM problem, not "not yet")', async () => {
    const checks = () => progress.checksOf(id(VM.noForwarding));
    await probes.until('forwarding checks judged', () => checks().get('php-app-running') !== undefined && checks().get('bpf-build-done') !== undefined);
    const app = checks().get('php-app-running')!;
    expect(app.status).toBe('error');
    expect(app.reason).toEqual({ code: 'check.forwarding_prohibited', values: { port: 8000 } });
    expect(englishReason(app.reason)).toMatch(/^forwarding to port 8000 is not permitted on this VM: .*permitopen="127\.0\.0\.1:8000".*AllowTcpForwarding yes/);
    expect([...checks().values()].filter((c) => /nothing answers/.test(englishReason(c.reason) ?? ''))).toEqual([]);
    // The ssh checks still run and pass; no step is shown as the attendee failing.
    expect(checks().get('bpf-build-done')?.status).toBe('pass');
    expect(Object.values(progress.progressOf(id(VM.noForwarding)).steps)).not.toContain('failing');
  }, 120_000);

  it.each([
    ['ForceCommand', VM.forceCommand, new RegExp(FORCED_TEXT.replace(/\./g, '\\.'))],
    ['a nologin shell', VM.nologin, /This account is currently not available\./],
  ])(
    '%s: connected, but commands are blocked, with what the account printed; no check is the attendee’s failure',
    async (_what, index, printed) => {
      const connection = () => progress.connectionOf(id(index));
      await probes.until('commands blocked', () => connection().reason === 'commands_blocked', 60_000);
      expect(connection().state).toBe('connected');
      expect(englishReason(connection().message)).toMatch(printed);
      await probes.sweeps(1);
      // Every ssh check says it could not run (an error, with why), never that the attendee failed it.
      const sshChecks = navigator.app
        .get(WorkshopsService)
        .workshop.definition.steps.flatMap((step) => step.checks)
        .filter((check) => check.kind === 'ssh');
      const known = progress.checksOf(id(index));
      for (const check of sshChecks) {
        expect(known.get(check.id)?.status, check.id).toBe('error');
        expect(englishReason(known.get(check.id)?.reason), check.id).toMatch(/^not run: this account cannot run commands/);
      }
      expect(Object.values(progress.progressOf(id(index)).steps)).not.toContain('failing');
    },
    120_000,
  );

  it(`${BASTION_USERS} attendees behind one stock sshd: all back after a Navigator restart, 0 false unreachable, 0 drops in sshd's log`, async () => {
    // 60 attendees, each their own user on the bastion's one stock sshd.
    const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
    const host = fleet.vm(VM.bastion).address;
    bastion = await Promise.all(
      fleet.usersOf(VM.bastion).map(async (user, i) => {
        const response = await fetch(navigator.url + joinPath, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.18.3.${i + 1}` },
          body: JSON.stringify({ displayName: `Bastion ${i}`, host, port: 22, sshUser: user }),
        });
        const body = (await response.json()) as { attendee: { id: string; authorizedKeysLine: string } };
        if (response.status !== 201) throw new Error(`registering bastion user ${i}: ${response.status} ${JSON.stringify(body)}`);
        return body.attendee;
      }),
    ).then((attendees) => {
      // Each attendee's own line, all in the bastion's one authorized_keys file.
      fleet.authorizeMore(
        VM.bastion,
        attendees.map((attendee) => attendee.authorizedKeysLine),
      );
      return attendees.map((attendee) => attendee.id);
    });
    const connected = () => bastion.every((attendee) => progress.connectionOf(attendee).state === 'connected');
    await probes.until('all bastion attendees connected', connected, 120_000);
    const logBefore = fleet.sshdLog(VM.bastion).length;

    await navigator.stop();
    const restartedAt = Date.now();
    await start();
    const board = new BoardWatcher(navigator.url, navigator.navigatorToken);
    try {
      await probes.until(`all ${BASTION_USERS} back`, connected, 120_000);
      const backAfter = Date.now() - restartedAt;
      await probes.sweeps(2);
      const unreachable = board.updates.filter((u) => bastion.includes(u.view.id) && u.view.connection.state === 'unreachable');
      const drops = fleet
        .sshdLog(VM.bastion)
        .slice(logBefore)
        .split('\n')
        .filter((line) => /past MaxStartups/.test(line));
      const allDrops = fleet
        .sshdLog(VM.bastion)
        .split('\n')
        .filter((line) => /past MaxStartups/.test(line));
      console.log(
        `bastion: ${BASTION_USERS} back ${backAfter} ms after the restart; unreachable shown ${unreachable.length}; MaxStartups drops ${drops.length} (${allDrops.length} over the whole run)`,
      );
      expect(unreachable.map((u) => u.view.connection)).toEqual([]);
      expect(allDrops).toEqual([]);
      expect(bastion.every((attendee) => progress.checksOf(attendee).get('exporter-php-enabled')?.status === 'pass')).toBe(true);
    } finally {
      board.close();
    }
  }, 300_000);
});
