import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEntryView } from '../../server/src/contract/views';
import { Fleet } from '../fleet/fleet';
import { BoardWatcher, registerFleet, type RegisteredVm } from '../fleet/room';
import { SimulatedVm, STEPS } from '../fleet/scenario';
import { keepingKitRoot, REPO_ROOT } from '../support/navigator';
import { ServerProcess } from '../support/server-process';
import { freePort } from '../support/sshd';

/**
 * Navigator itself stalls: the server process (built, in a process of its own) is paused with
 * SIGSTOP for 5 s while it watches a fleet, as a load average of 45 would. Nothing the VMs did
 * changed, so nothing may be recorded; one VM's link really goes down during the pause, and that
 * must still be seen within two sweeps. Sweeps are counted from the server's own metrics.
 */
const SIZE = Number(process.env.FLEET_SIZE ?? 20);
const STALL_MS = 5000;
const canRun = process.getuid?.() === 0;
const DEAD = 1;

let fleet: Fleet;
let server: ServerProcess;
let room: RegisteredVm[];
let navigatorToken: string;

async function metric(name: string): Promise<string> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .join('\n');
}

async function sweepsDone(): Promise<number> {
  return Number(/ (\d+(?:\.\d+)?)$/.exec(await metric('navigator_sweep_duration_seconds_count'))?.[1] ?? 0);
}

/** Waits for `n` more sweeps to finish, as the server counts them (a safety limit only against a hang). */
async function sweeps(n: number): Promise<void> {
  const target = (await sweepsDone()) + n;
  const safety = Date.now() + 120_000;
  while ((await sweepsDone()) < target) {
    if (Date.now() > safety) throw new Error(`${n} sweeps did not finish`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function timeline(attendeeId: string): Promise<TimelineEntryView[]> {
  const response = await fetch(`${server.url}/api/attendees/${attendeeId}/timeline`, { headers: { cookie: `navigator_navigator=${navigatorToken}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as TimelineEntryView[];
}

describe.skipIf(!canRun)(`Navigator paused for 5 s while watching ${SIZE} VMs (needs root, and the build)`, () => {
  beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist/server/main.js'))) throw new Error('build first: npm run build');
    fleet = await Fleet.up({ size: SIZE });
    for (const vm of fleet.vms) new SimulatedVm(fleet, vm.index).apply(STEPS.indexOf('exporter') + 1);
    const workshop = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-stall-')), 'ebpf-php.yaml');
    fs.writeFileSync(
      workshop,
      keepingKitRoot(fs.readFileSync(path.join(REPO_ROOT, 'checks/ebpf-php.yaml'), 'utf8').replace('checkTimeoutSeconds: 10', 'checkTimeoutSeconds: 4')),
    );
    server = new ServerProcess({
      NAVIGATOR_PORT: String(await freePort()),
      NAVIGATOR_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-stall-data-')),
      NAVIGATOR_WORKSHOP_FILE: workshop,
    });
    await server.start();
    const links = server.links();
    navigatorToken = links.navigatorToken;
    room = await registerFleet(server.url, links.joinPath, fleet);
  }, 180_000);

  afterAll(async () => {
    await server?.kill();
    await fleet?.stop();
  });

  it('records 0 false transitions, and still sees a link that really died within two sweeps', async () => {
    const board = new BoardWatcher(server.url, navigatorToken);
    try {
      for (const vm of room)
        await board.until(
          vm.attendeeId,
          `VM ${vm.index} at its baseline`,
          (v) => v.connection.state === 'connected' && v.progress.currentStepId === 'prometheus',
          60_000,
        );
      await sweeps(2);
      const before = await Promise.all(room.map((vm) => timeline(vm.attendeeId)));

      fleet.linkDown(DEAD);
      server.signal('SIGSTOP');
      // The fault itself: the process does nothing for 5 s.
      await new Promise((r) => setTimeout(r, STALL_MS));
      server.signal('SIGCONT');
      // The first scrape after the pause: the metric covers the time since the previous one.
      const delay = await metric('navigator_event_loop_stall_seconds');
      const stallMax = Number(/ (\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/.exec(delay)?.[1] ?? 0);
      await sweeps(2);

      const after = await Promise.all(room.map((vm) => timeline(vm.attendeeId)));
      const recorded = room.flatMap((vm, i) => after[i].slice(before[i].length).map((entry) => ({ vm: vm.index, ...entry })));
      console.log(`stall: event-loop delay max ${stallMax} s; recorded during and after: ${JSON.stringify(recorded)}`);
      expect(stallMax).toBeGreaterThanOrEqual(STALL_MS / 1000 - 0.5);
      expect(recorded.filter((entry) => entry.vm !== DEAD)).toEqual([]);
      expect(recorded.filter((entry) => entry.vm === DEAD && entry.checkId === null).map((entry) => `${entry.to}:${entry.reason}`)).toEqual([
        'unreachable:timeout',
      ]);
    } finally {
      board.close();
      fleet.linkUp(DEAD);
    }
  }, 240_000);
});
