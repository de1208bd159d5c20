import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrospectiveView, RunSummaryView } from '../../server/src/contract/retrospective';
import { Fleet } from '../fleet/fleet';
import { BoardWatcher, registerFleet } from '../fleet/room';
import { planRoom, runScenario, STEPS, type Profile } from '../fleet/scenario';
import { TestClient } from '../support/clients';
import { REPO_ROOT, startTestNavigator } from '../support/navigator';

/**
 * The fleet scenario's room (N = 20 in CI, 60 s), then its retrospective: the figures must say what the
 * profiles did. The stalled 10% are stuck at the BPF build, the dropped-off 8% have unreachable minutes for
 * as long as their link was down, the never-reachable 4% never connected, everyone else finished.
 */
const SIZE = Number(process.env.FLEET_SIZE ?? 20);
const INTERVAL_MS = 5000;
const SCENARIO_MS = 60_000;
const canRun = process.getuid?.() === 0;
let fleet: Fleet;

describe.skipIf(!canRun)(`the retrospective of a room of ${SIZE} simulated VMs (needs root)`, () => {
  beforeAll(async () => {
    fleet = await Fleet.up({ size: SIZE, realPrometheusEvery: 10, scrapeSeconds: 1 });
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('has figures that match the scenario’s profiles', async () => {
    const navigator = await startTestNavigator({ NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'checks/ebpf-php.yaml') });
    const cookie = `navigator_navigator=${navigator.navigatorToken}`;
    const board = new BoardWatcher(navigator.url, navigator.navigatorToken);
    const control = new TestClient(navigator.url, 'board', cookie);
    try {
      const plans = planRoom(SIZE, 7, [3, 6]);
      // The never-reachable ones never are: their sshd is gone before they register.
      plans.forEach((plan, i) => plan.profile === 'never' && fleet.killSshd(i));
      const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
      const room = await registerFleet(navigator.url, joinPath, fleet);
      for (const vm of room.filter((v) => plans[v.index].profile !== 'never'))
        await board.until(vm.attendeeId, `VM ${vm.index} connected`, (v) => v.connection.state === 'connected', 30_000);
      await control.until('board socket', (c) => c.socket.connected);
      expect(await control.socket.emitWithAck('clock:control', { action: 'start' })).toEqual({ ok: true });
      const { events } = await runScenario(fleet, plans, SCENARIO_MS);
      await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS + 1000));

      // Archiving the run closes its window: the figures below are final.
      const started = await navigator.request('POST', '/api/runs', { cookie });
      expect(started.status).toBe(201);
      const first = (started.body as RunSummaryView[]).find((r) => r.number === 1)!;
      const retro = (await navigator.request('GET', `/api/runs/${first.id}/retrospective`, { cookie })).body as RetrospectiveView;

      const name = (index: number) => `Attendee ${index}`;
      const indexes = (profile: Profile) => plans.flatMap((plan, i) => (plan.profile === profile ? [i] : []));
      const stalled = indexes('stalled-build');
      const never = indexes('never');
      const flaky = indexes('flaky-network');
      const finishers = SIZE - stalled.length - never.length;
      const step = (id: string) => retro.steps.find((s) => s.id === id)!;
      const unreachableOf = (index: number) => retro.unreachable.attendees.find((a) => a.name === name(index));
      const summary = JSON.stringify({
        attendance: retro.attendance,
        fixFirst: retro.fixFirst,
        unreachable: retro.unreachable.attendees,
        steps: retro.steps.map((s) => [s.id, s.reached, s.finished, s.gaveUp, s.left]),
      });
      console.log(`retrospective of the fleet room: ${summary}`);

      expect(retro.attendance, summary).toEqual({
        registered: SIZE,
        connected: SIZE - never.length,
        finishedAll: finishers,
        neverConnected: never.length,
        left: 0,
      });

      // The stalled: on the build at the end, its check failing. Its reasons are those stored with each status change
      // (a reason that changes while the check keeps failing is not history): the build's missing status file first.
      expect(step('build-bpf'), summary).toMatchObject({ reached: SIZE - never.length, finished: finishers, gaveUp: stalled.length, left: 0 });
      expect(retro.fixFirst[0].stepId, summary).toBe('build-bpf');
      const build = retro.stuckChecks.find((c) => c.checkId === 'bpf-build-done')!;
      expect(build.attendees).toBeGreaterThanOrEqual(stalled.length);
      expect(build.reasons.map((r) => r.reason).join(' ')).toMatch(/build\.status|did not match/);
      // Each stalled attendee failed it for most of the run (they reach the build within 2 × 6 s).
      expect(build.minutes).toBeGreaterThanOrEqual(stalled.length * 0.5);
      for (const later of STEPS.slice(STEPS.indexOf('build-bpf') + 1)) expect(step(later).reached, later).toBe(finishers);
      expect(step('grafana').finished).toBe(finishers);

      // The dropped-off: unreachable (timeout) for about as long as their link was down (20% of the run), then back.
      const downFor = (index: number) => {
        const down = events.find((e) => e.index === index && e.what === 'link down')!.at;
        const up = events.find((e) => e.index === index && e.what === 'link up')!.at;
        return (up - down) / 60_000;
      };
      for (const index of flaky) {
        const figures = unreachableOf(index);
        // Seen as a timeout episode (on a busy machine detection takes up to two sweeps of a 12 s outage, so its
        // minutes may round to 0.0), about as long as the link was down.
        expect(figures?.byReason.timeout, `${name(index)}: ${JSON.stringify(figures)}`).toBeDefined();
        expect(figures!.episodes, `${name(index)}: ${JSON.stringify(figures)}`).toBeGreaterThanOrEqual(1);
        // Seen within about two probes of going down and of coming back: ±0.2 min.
        expect(Math.abs(figures!.byReason.timeout - downFor(index)), `${name(index)}: ${JSON.stringify(figures)}`).toBeLessThanOrEqual(0.2);
        expect(figures!.leftAt).toBeNull();
      }

      // The never-reachable: never connected, refused for the whole window.
      for (const index of never) {
        const figures = unreachableOf(index);
        expect(figures, name(index)).toMatchObject({ neverConnected: true });
        expect(figures!.byReason.refused).toBeGreaterThanOrEqual(retro.window.minutes * 0.8);
      }

      // Nobody who progressed was ever unreachable for any reason but the key not being there yet at registration.
      for (const [index, plan] of plans.entries()) {
        if (plan.profile === 'flaky-network' || plan.profile === 'never') continue;
        const reasons = Object.keys(unreachableOf(index)?.byReason ?? {});
        expect(
          reasons.filter((r) => r !== 'auth_rejected'),
          name(index),
        ).toEqual([]);
      }

      // The room at the end: the finishers finished, the stalled on the build, the never-reachable not connected.
      const last = retro.room.minutes.length - 1;
      const endCount = (key: string) => retro.room.series.find((s) => s.key === key)!.counts[last];
      expect([endCount('finished'), endCount('build-bpf'), endCount('not-connected')]).toEqual([finishers, stalled.length, never.length]);
      expect(retro.room.clockStarted).toBe(true);
    } finally {
      control.close();
      board.close();
      await navigator.stop();
    }
  }, 240_000);
});
