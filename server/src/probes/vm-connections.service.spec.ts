import { beforeEach, describe, expect, it } from 'vitest';
import { DomainEventBus } from '../common/domain-events';
import type { Ticker } from '../common/ticker';
import type { ConnectionView } from '../contract/views';
import type { Coded } from '../contract/i18n/coded';
import { englishText } from '../contract/i18n/english';
import { MetricsService } from '../metrics/metrics.service';
import type { ProgressService } from '../progress/progress.service';
import type { AddressPolicy, AddressVerdict } from '../ssh/address.policy';
import type { AttendeeKeyStore } from '../ssh/attendee-keys';
import type { HostKeySeen, PoolStateChange, SshPool } from '../ssh/ssh.pool';
import type { VmTarget } from '../ssh/ssh.types';
import { TunnelRegistry } from '../tunnel/tunnel.registry';
import type { WorkshopsService } from '../workshops/workshops.service';
import { VmConnectionsService } from './vm-connections.service';
import type { VmRecord, VmTargetStore } from './vm-target.store';

/** The pool as the service drives it: what it was asked to dial, and a way to play its events. */
class FakePool {
  ensured: VmTarget[] = [];
  removed: string[] = [];
  pinned: [string, string][] = [];
  handshakesInFlight = 0;
  private stateListener: (change: PoolStateChange) => void = () => undefined;
  private hostKeyListener: (seen: HostKeySeen) => void = () => undefined;
  onStateChange(listener: (change: PoolStateChange) => void) {
    this.stateListener = listener;
    return () => undefined;
  }
  onHostKeyFirstSeen(listener: (seen: HostKeySeen) => void) {
    this.hostKeyListener = listener;
    return () => undefined;
  }
  ensure(target: VmTarget) {
    this.ensured.push(target);
  }
  remove(id: string) {
    this.removed.push(id);
  }
  pin(id: string, fingerprint: string) {
    this.pinned.push([id, fingerprint]);
  }
  stateOf() {
    return undefined;
  }
  get() {
    return undefined;
  }
  async closeAll() {}
  emitState(change: PoolStateChange) {
    this.stateListener(change);
  }
  emitHostKey(seen: HostKeySeen) {
    this.hostKeyListener(seen);
  }
}

class FakeTicker {
  pending: { ms: number; fire: () => void }[] = [];
  every() {
    return () => undefined;
  }
  after(ms: number, fire: () => void) {
    const entry = { ms, fire };
    this.pending.push(entry);
    return () => (this.pending = this.pending.filter((p) => p !== entry));
  }
}

const vms: Record<string, VmRecord> = {
  ada: {
    id: 'ada',
    host: 'ada.example',
    port: 22,
    sshUser: 'ubuntu',
    vmAccess: 'direct',
    hostKeyFingerprint: null,
    offeredHostKeyFingerprint: null,
    sshPublicKey: 'ssh-ed25519 AAAA',
  },
  bob: {
    id: 'bob',
    host: 'metadata.example',
    port: 22,
    sshUser: 'ubuntu',
    vmAccess: 'direct',
    hostKeyFingerprint: null,
    offeredHostKeyFingerprint: null,
    sshPublicKey: 'ssh-ed25519 AAAA',
  },
  cy: {
    id: 'cy',
    host: 'typo.invalid',
    port: 2222,
    sshUser: 'debian',
    vmAccess: 'direct',
    hostKeyFingerprint: null,
    offeredHostKeyFingerprint: null,
    sshPublicKey: 'ssh-ed25519 AAAA',
  },
};
const verdicts: Record<string, AddressVerdict> = {
  'ada.example': { ok: true, addresses: ['198.18.0.7'] },
  'metadata.example': refusedVerdict('refused', { code: 'address.refused', values: { address: '169.254.169.254', category: 'metadata' } }),
  'typo.invalid': refusedVerdict('dns', { code: 'address.dns_not_found', values: { host: 'typo.invalid' } }),
};

let pool: FakePool;
let ticker: FakeTicker;
let events: DomainEventBus;
let recorded: { attendeeId: string; view: ConnectionView }[];
/** Pins per attendee, address and port, as the store keeps them. */
let pins: Map<string, string>;
let offers: Map<string, string>;
let service: VmConnectionsService;
const flush = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(async () => {
  pool = new FakePool();
  ticker = new FakeTicker();
  events = new DomainEventBus();
  recorded = [];
  pins = new Map();
  offers = new Map();
  const policy = { check: async (host: string) => verdicts[host] } as unknown as AddressPolicy;
  const store = {
    all: async () => Object.values(vms),
    find: async (id: string) => vms[id] ?? null,
    pinFor: async (vm: VmRecord, address: string, port: number) => pins.get(`${vm.id}|${address}|${port}`) ?? null,
    pinHostKey: async (id: string, address: string, port: number, fingerprint: string) => {
      const key = `${id}|${address}|${port}`;
      if (pins.has(key)) return false;
      pins.set(key, fingerprint);
      return true;
    },
    offerHostKey: async (id: string, fingerprint: string) => {
      if (offers.get(id) === fingerprint) return false;
      offers.set(id, fingerprint);
      return true;
    },
    clearOfferedHostKey: async (id: string) => offers.delete(id),
  } as unknown as VmTargetStore;
  const progress = {
    recordConnection: async (attendeeId: string, view: ConnectionView) => void recorded.push({ attendeeId, view }),
    connectionCounts: () => ({}),
  } as unknown as ProgressService;
  const workshops = { workshop: { id: 'w', runId: 'w-run-1' } } as unknown as WorkshopsService;
  const keys = { privateKey: async (id: string) => Buffer.from(`key of ${id}`) } as unknown as AttendeeKeyStore;
  service = new VmConnectionsService(
    pool as unknown as SshPool,
    keys,
    policy,
    store,
    workshops,
    progress,
    events,
    ticker as unknown as Ticker,
    new MetricsService(),
    new TunnelRegistry(),
  );
  await service.onApplicationBootstrap();
});

describe('VmConnectionsService', () => {
  it('dials the checked address of every VM the policy allows, and reports the others unreachable without dialling', () => {
    expect(pool.ensured).toEqual([{ id: 'ada', host: '198.18.0.7', port: 22, user: 'ubuntu', pinnedFingerprint: null, privateKey: Buffer.from('key of ada') }]);
    expect(recorded.map((r) => [r.attendeeId, r.view.state, r.view.reason])).toEqual([
      ['bob', 'unreachable', 'address_refused'],
      ['cy', 'unreachable', 'dns'],
    ]);
    expect(service.watchedIds().sort()).toEqual(['ada', 'bob', 'cy']);
  });

  it('reaches a VM behind NAT through its tunnel: no address policy, pinned under "tunnel", no outside checks', async () => {
    vms.dee = { ...vms.ada, id: 'dee', host: 'localhost', port: 2200, vmAccess: 'tunnel' };
    try {
      events.emit('attendee.registered', { attendeeId: 'dee' });
      await flush();
      const target = pool.ensured.at(-1)!;
      expect(target).toMatchObject({ id: 'dee', host: 'tunnel', port: 2200, user: 'ubuntu', pinnedFingerprint: null });
      expect(target.route?.id).toBe('tunnel:dee:2200');
      await expect(target.route!.open()).rejects.toMatchObject({ reason: 'tunnel_not_open' });
      expect(await service.outsideOf('dee')).toBeUndefined();
      expect(await service.outsideOf('ada')).toBeDefined();
    } finally {
      delete vms.dee;
    }
  });

  it('looks an unresolved name up again later, once', async () => {
    expect(ticker.pending.map((p) => p.ms)).toEqual([15_000]);
    verdicts['typo.invalid'] = { ok: true, addresses: ['198.18.0.9'] };
    ticker.pending[0].fire();
    await flush();
    expect(pool.ensured.at(-1)).toMatchObject({ id: 'cy', host: '198.18.0.9', port: 2222 });
    verdicts['typo.invalid'] = refusedVerdict('dns', { code: 'address.dns_not_found', values: { host: 'typo.invalid' } });
  });

  it("reports the pool's states to progress, with words for people", async () => {
    pool.emitState({ id: 'ada', state: 'unreachable', reason: 'auth_rejected', since: new Date('2026-12-01T09:00:00Z') });
    await flush();
    expect(recorded.at(-1)).toEqual({
      attendeeId: 'ada',
      view: {
        state: 'unreachable',
        reason: 'auth_rejected',
        message: { code: 'unreachable.auth_rejected' },
        since: '2026-12-01T09:00:00.000Z',
        retries: 0,
      },
    });
  });

  it('reports an account that cannot run commands as connected, with what it printed', async () => {
    pool.emitState({
      id: 'ada',
      state: 'connected',
      reason: 'commands_blocked',
      message: { code: 'connection.account_printed', values: { printed: 'This account is currently not available.' } },
      since: new Date('2026-12-01T09:00:00Z'),
    });
    await flush();
    expect(recorded.at(-1)?.view).toMatchObject({
      state: 'connected',
      reason: 'commands_blocked',
      message: { code: 'connection.account_printed', values: { printed: 'This account is currently not available.' } },
    });
  });

  it('pins the first host key seen, once, and tells the board', async () => {
    const changed: string[] = [];
    events.on('attendee.host-key-changed', ({ attendeeId }) => changed.push(attendeeId));
    pool.emitHostKey({ id: 'ada', host: '198.18.0.7', port: 22, fingerprint: 'SHA256:abc', algorithm: 'ssh-ed25519' });
    await flush();
    pool.emitHostKey({ id: 'ada', host: '198.18.0.7', port: 22, fingerprint: 'SHA256:other', algorithm: 'ssh-ed25519' });
    await flush();
    expect(pool.pinned).toEqual([['ada', 'SHA256:abc']]);
    expect(changed).toEqual(['ada']);
  });

  it("dials with the pin of the address it dials: an address's old pin is checked again when the attendee comes back to it", async () => {
    pins.set('ada|198.18.0.7|22', 'SHA256:first');
    events.emit('attendee.changed', { attendeeId: 'ada' });
    await flush();
    await flush();
    expect(pool.ensured.at(-1)).toMatchObject({ host: '198.18.0.7', pinnedFingerprint: 'SHA256:first' });
  });

  it('keeps the key a VM presents instead of its pin, tells the board once, and forgets it when the pinned key is back', async () => {
    const changed: string[] = [];
    events.on('attendee.host-key-changed', ({ attendeeId }) => changed.push(attendeeId));
    const mismatch: PoolStateChange = {
      id: 'ada',
      state: 'unreachable',
      reason: 'host_key_changed',
      message: { code: 'connection.host_key_mismatch', values: { offered: 'SHA256:new', pinned: 'SHA256:old' } },
      offeredHostKey: { fingerprint: 'SHA256:new', algorithm: 'ssh-ed25519' },
      since: new Date(),
    };
    pool.emitState(mismatch);
    await flush();
    pool.emitState(mismatch);
    await flush();
    expect(offers.get('ada')).toBe('SHA256:new');
    expect(changed).toEqual(['ada']);
    pool.emitState({ id: 'ada', state: 'connected', since: new Date() });
    await flush();
    expect(offers.has('ada')).toBe(false);
    expect(changed).toEqual(['ada', 'ada']);
  });

  it('records a connection change first, in order, whatever becomes of the host-key bookkeeping', async () => {
    offers.set('ada', 'SHA256:stale');
    pool.emitState({
      id: 'ada',
      state: 'unreachable',
      reason: 'host_key_changed',
      message: { code: 'connection.host_key_mismatch', values: { offered: 'SHA256:new', pinned: 'SHA256:old' } },
      offeredHostKey: { fingerprint: 'SHA256:new', algorithm: 'ssh-ed25519' },
      since: new Date(),
    });
    pool.emitState({ id: 'ada', state: 'connected', since: new Date() });
    // Both are recorded before any bookkeeping has had a turn, in the order they happened.
    expect(recorded.slice(-2).map((r) => r.view.state)).toEqual(['unreachable', 'connected']);
    await flush();
    expect(offers.has('ada')).toBe(false);
  });

  it('limits an attendee asking to reconnect', () => {
    expect(service.reconnectForAttendee('ada')).toEqual({ ok: true });
    service.reconnectForAttendee('ada');
    service.reconnectForAttendee('ada');
    expect(service.reconnectForAttendee('ada')).toMatchObject({ ok: false, error: expect.stringMatching(/already trying/) });
  });
});

function refusedVerdict(reason: 'dns' | 'refused', coded: Coded): AddressVerdict {
  return { ok: false, reason, message: englishText(coded), coded };
}
