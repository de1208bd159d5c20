/**
 * The fleet as Navigator's attendees: registration scripted through the join API (each VM from its own
 * address, as attendees in a room), each attendee's own key line written to their VM, and a navigator's board socket
 * that keeps the latest view of every attendee with the time each update arrived.
 */
import { io } from 'socket.io-client';
import type { NavigatorAttendeeView, RosterSnapshot } from '../../server/src/contract/views';
import type { TestSocket } from '../support/clients';
import type { Fleet, FleetVm } from './fleet';

export interface RegisteredVm {
  index: number;
  attendeeId: string;
}

/** `via` may send a VM's SSH elsewhere (a delaying proxy in front of it). */
export async function registerFleet(
  baseUrl: string,
  joinPath: string,
  fleet: Fleet,
  concurrency = 8,
  via: (vm: FleetVm) => { host: string; port: number } | null = () => null,
  only: (vm: FleetVm) => boolean = () => true,
): Promise<RegisteredVm[]> {
  const registered: RegisteredVm[] = [];
  const queue = fleet.vms.filter(only);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let vm = queue.shift(); vm; vm = queue.shift()) {
        const response = await fetch(baseUrl + joinPath, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': vm.address },
          body: JSON.stringify({ displayName: `Attendee ${vm.index}`, ...(via(vm) ?? { host: vm.address, port: 22 }), sshUser: vm.user }),
        });
        const body = (await response.json()) as { attendee: { id: string; authorizedKeysLine: string } };
        if (response.status !== 201) throw new Error(`registering VM ${vm.index}: ${response.status} ${JSON.stringify(body)}`);
        fleet.authorizeVm(vm.index, body.attendee.authorizedKeysLine);
        registered.push({ index: vm.index, attendeeId: body.attendee.id });
      }
    }),
  );
  return registered.sort((a, b) => a.index - b.index);
}

export interface BoardUpdate {
  at: number; // Date.now() when it arrived
  view: NavigatorAttendeeView;
}

/** The navigator's board, as a socket client: latest view per attendee, and every update with its arrival time. */
export class BoardWatcher {
  readonly socket: TestSocket;
  readonly latest = new Map<string, NavigatorAttendeeView>();
  readonly updates: BoardUpdate[] = [];
  private readonly listeners = new Set<(update: BoardUpdate) => void>();

  constructor(baseUrl: string, navigatorToken: string) {
    this.socket = io(baseUrl, {
      path: '/socket.io',
      auth: { view: 'board' },
      extraHeaders: { cookie: `navigator_navigator=${navigatorToken}` },
      transports: ['websocket'],
    });
    this.socket.on('roster:snapshot', (snapshot) => {
      for (const attendee of (snapshot as RosterSnapshot<NavigatorAttendeeView>).attendees) this.latest.set(attendee.id, attendee);
    });
    this.socket.on('roster:attendee', (attendee) => {
      const update = { at: Date.now(), view: attendee as NavigatorAttendeeView };
      this.latest.set(update.view.id, update.view);
      this.updates.push(update);
      this.listeners.forEach((listener) => listener(update));
    });
  }

  onUpdate(listener: (update: BoardUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  view(attendeeId: string): NavigatorAttendeeView | undefined {
    return this.latest.get(attendeeId);
  }

  /** Waits until `test` holds for the attendee's view; returns when (ms since the call) or throws with the last view. */
  async until(attendeeId: string, what: string, test: (view: NavigatorAttendeeView) => boolean, timeoutMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const view = this.latest.get(attendeeId);
      if (view && test(view)) return Date.now() - started;
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `${what}: not within ${timeoutMs} ms; last view: ${JSON.stringify({ connection: view?.connection, progress: view?.progress, checks: view?.checks })}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Sweeps and probes of an in-process Navigator, as events to wait for: a test asserts "within two
 * sweeps" by counting sweeps, not by wall time that a busy machine stretches. Instrumentation only.
 */
export class ProbeWatcher {
  sweepsDone = 0;
  /** Every sweep: when it started and when it finished (Date.now()). */
  readonly sweepLog: { startedAt: number; doneAt: number | null }[] = [];
  readonly probes: { attendeeId: string; ok: boolean; at: number; ms: number }[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(scheduler: unknown) {
    const target = scheduler as { sweep: () => Promise<void>; probe: (id: string, ...rest: unknown[]) => Promise<boolean> };
    const sweep = target.sweep.bind(target);
    const probe = target.probe.bind(target);
    target.sweep = async () => {
      const entry = { startedAt: Date.now(), doneAt: null as number | null };
      this.sweepLog.push(entry);
      await sweep();
      entry.doneAt = Date.now();
      this.sweepsDone += 1;
      this.poke();
    };
    target.probe = async (id: string, ...rest: unknown[]) => {
      const started = performance.now();
      let ok = false;
      try {
        ok = await probe(id, ...rest);
        return ok;
      } finally {
        this.probes.push({ attendeeId: id, ok, at: Date.now(), ms: performance.now() - started });
        this.poke();
      }
    };
  }

  /** Resolves once `test` holds, checked after every sweep and probe; fails after a generous safety limit only. */
  async until(what: string, test: () => boolean, safetyMs = 180_000): Promise<void> {
    if (test()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${what}: not after ${safetyMs} ms`));
      }, safetyMs);
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Something changed that a waiter may be waiting for (a board update, a progress event). */
  poke(): void {
    this.waiters.forEach((wake) => wake());
  }

  /** Sweeps that started at or after `at` and have finished. */
  sweepsSince(at: number): number {
    return this.sweepLog.filter((sweep) => sweep.startedAt >= at && sweep.doneAt !== null).length;
  }

  /** Waits for `n` more sweeps to finish. */
  async sweeps(n: number): Promise<void> {
    const target = this.sweepsDone + n;
    await this.until(`${n} sweeps`, () => this.sweepsDone >= target);
  }
}
