import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { unreachableMessage, type UnreachableReason } from '../contract/checks';
import type { Ack } from '../contract/events';
import { coded } from '../contract/i18n/coded';
import { refusal } from '../contract/i18n/english';
import { DomainEventBus } from '../common/domain-events';
import { RateLimiter } from '../common/rate-limiter';
import { Ticker } from '../common/ticker';
import { MetricsService } from '../metrics/metrics.service';
import { ProgressService } from '../progress/progress.service';
import { Semaphore } from '../ssh/semaphore';
import { AddressPolicy } from '../ssh/address.policy';
import { AttendeeKeyStore } from '../ssh/attendee-keys';
import { sshNativeCryptoAvailable } from '../ssh/native-crypto';
import { outsideChannel, type OutsideChannel } from '../ssh/outside';
import { SshPool, type HostKeySeen, type PoolStateChange } from '../ssh/ssh.pool';
import type { VmChannel } from '../ssh/ssh.types';
import { TunnelRegistry } from '../tunnel/tunnel.registry';
import { WorkshopsService } from '../workshops/workshops.service';
import { VmTargetStore, type VmRecord } from './vm-target.store';

/** A name that does not resolve is asked again after 15 s, then 30, 60… up to 5 minutes: never a lookup storm. */
const DNS_RETRY_MS = 15_000;
const DNS_RETRY_MAX_MS = 300_000;
/** Where a tunnelled VM's host key is pinned: it has no address Navigator dials. */
const TUNNEL_PIN_ADDRESS = 'tunnel';

/**
 * Which VMs Navigator watches: every registered attendee's, from registration (or start-up) on.
 * Checks each address against the policy before dialling, pins a host key at the first successful
 * connection, and reports connection states to progress. The pool owns the connections.
 */
@Injectable()
export class VmConnectionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(VmConnectionsService.name);
  private readonly watched = new Set<string>();
  private readonly stop: (() => void)[] = [];
  private readonly dnsRetries = new Map<string, () => void>();
  /** VMs whose stored record has a key offered instead of the pin: the only ones a connection has to clear it for. */
  private readonly offering = new Set<string>();
  private hostKeyBookkeeping: Promise<void> = Promise.resolve();
  /** Lookups in a row that found nothing, per VM: the backoff's exponent. */
  private readonly dnsFailures = new Map<string, number>();
  private readonly attendeeReconnects = new RateLimiter(3, 0.2);

  constructor(
    private readonly pool: SshPool,
    private readonly keys: AttendeeKeyStore,
    private readonly policy: AddressPolicy,
    private readonly store: VmTargetStore,
    private readonly workshops: WorkshopsService,
    private readonly progress: ProgressService,
    private readonly events: DomainEventBus,
    private readonly ticker: Ticker,
    private readonly metrics: MetricsService,
    private readonly tunnels: TunnelRegistry,
  ) {
    metrics.gauge('navigator_ssh_connections', 'SSH connections to attendee VMs, by state', ['state'], (set) => {
      for (const [state, count] of Object.entries(this.progress.connectionCounts())) set({ state }, count);
    });
    metrics.gauge('navigator_ssh_handshakes_in_flight', 'SSH handshakes under way', [], (set) => set({}, this.pool.handshakesInFlight));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!sshNativeCryptoAvailable())
      this.logger.warn("ssh2's native crypto binding is not built (npm ci with a C++ toolchain builds it): probing costs about twice the CPU");
    this.stop.push(
      this.pool.onStateChange((change) => void this.onStateChange(change)),
      this.pool.onHostKeyFirstSeen((seen) => void this.pin(seen).catch((error: Error) => this.logger.warn(`could not pin a host key: ${error.message}`))),
      this.events.on('attendee.registered', ({ attendeeId }) => void this.watch(attendeeId)),
      this.events.on('attendee.changed', ({ attendeeId }) => {
        this.dnsFailures.delete(attendeeId);
        void this.watch(attendeeId);
      }),
      this.events.on('run.started', () => this.unwatchAll()),
      this.events.on('attendee.removed', ({ attendeeId }) => this.unwatch(attendeeId)),
      // A tunnel opened or closed: tried now, not at the next backoff, so its state follows within a sweep.
      this.tunnels.onChange((attendeeId) => this.reconnectNow(attendeeId)),
    );
    const vms = await this.store.all(this.workshops.workshop.runId);
    await this.issueMissingKeys(vms);
    await Promise.all(vms.map((vm) => this.watchVm(vm)));
    this.logger.log(`watching ${vms.length} VMs`);
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.forEach((stop) => stop());
    this.dnsRetries.forEach((cancel) => cancel());
    await this.pool.closeAll();
  }

  /** An archived run's VMs are let go: their connections closed, no retry left behind. */
  private unwatchAll(): void {
    for (const id of this.watched) this.pool.remove(id);
    this.dnsRetries.forEach((cancel) => cancel());
    this.dnsRetries.clear();
    this.dnsFailures.clear();
    this.watched.clear();
  }

  /** A removed attendee's VM: its connection closed, no retry left behind. */
  private unwatch(attendeeId: string): void {
    this.watched.delete(attendeeId);
    this.pool.remove(attendeeId);
    this.dnsRetries.get(attendeeId)?.();
    this.dnsRetries.delete(attendeeId);
    this.dnsFailures.delete(attendeeId);
  }

  watchedIds(): string[] {
    return [...this.watched];
  }

  /** The live connection to a VM, when there is one: what the probes run on. */
  channelOf(attendeeId: string): VmChannel | undefined {
    return this.pool.get(attendeeId);
  }

  /** Navigator's connections to the VM's address from outside, under the same address policy as SSH. */
  async outsideOf(attendeeId: string): Promise<OutsideChannel | undefined> {
    const vm = await this.store.find(attendeeId);
    // A VM behind NAT has no address Navigator can reach (its host is where the VM finds its own sshd: often localhost).
    return vm && vm.vmAccess !== 'tunnel' ? outsideChannel(vm.host, this.policy) : undefined;
  }

  reconnectNow(attendeeId: string): boolean {
    if (!this.watched.has(attendeeId)) return false;
    if (this.pool.stateOf(attendeeId) === undefined) void this.watch(attendeeId);
    else this.pool.connectNow(attendeeId);
    return true;
  }

  /** An attendee's "try again now": rate-limited. */
  reconnectForAttendee(attendeeId: string): Ack {
    const wait = this.attendeeReconnects.take(attendeeId);
    if (wait > 0) return refusal('limit.reconnect', { seconds: wait });
    this.reconnectNow(attendeeId);
    return { ok: true };
  }

  private async watch(attendeeId: string): Promise<void> {
    const vm = await this.store.find(attendeeId);
    if (vm) await this.watchVm(vm);
  }

  private async watchVm(vm: VmRecord): Promise<void> {
    this.watched.add(vm.id);
    this.dnsRetries.get(vm.id)?.();
    this.dnsRetries.delete(vm.id);
    if (vm.vmAccess === 'tunnel') return this.watchTunnelled(vm);
    const verdict = await this.policy.check(vm.host);
    // Removed (or the run ended) while the name was being looked up.
    if (!this.watched.has(vm.id)) return;
    if (!verdict.ok) {
      this.pool.remove(vm.id);
      const reason: UnreachableReason = verdict.reason === 'refused' ? 'address_refused' : 'dns';
      await this.progress.recordConnection(vm.id, { state: 'unreachable', reason, message: verdict.coded, since: new Date().toISOString(), retries: 0 });
      // Names are resolved here, never by the pool: a room of typos must not fill libuv's small DNS thread pool.
      if (reason === 'dns') {
        const failures = this.dnsFailures.get(vm.id) ?? 0;
        this.dnsFailures.set(vm.id, failures + 1);
        this.dnsRetries.set(
          vm.id,
          this.ticker.after(Math.min(DNS_RETRY_MS * 2 ** failures, DNS_RETRY_MAX_MS), () => void this.watch(vm.id)),
        );
      }
      return;
    }
    this.dnsFailures.delete(vm.id);
    const privateKey = await this.keys.privateKey(vm.id);
    if (!this.watched.has(vm.id)) return;
    if (privateKey === null) {
      this.pool.remove(vm.id);
      await this.progress.recordConnection(vm.id, {
        state: 'unreachable',
        reason: 'auth_rejected',
        message: coded('connection.no_key'),
        since: new Date().toISOString(),
        retries: 0,
      });
      return;
    }
    // Connect to the address that was checked, so a DNS answer that changes later cannot point us elsewhere.
    const address = verdict.addresses[0];
    const pinnedFingerprint = await this.store.pinFor(vm, address, vm.port);
    if (vm.offeredHostKeyFingerprint !== null) this.offering.add(vm.id);
    if (!this.watched.has(vm.id)) return;
    if (pinnedFingerprint !== vm.hostKeyFingerprint) this.events.emit('attendee.host-key-changed', { attendeeId: vm.id });
    this.pool.ensure({ id: vm.id, privateKey, host: address, port: vm.port, user: vm.sshUser, pinnedFingerprint });
  }

  /**
   * A VM behind NAT: reached through the tunnel it opens to Navigator, never dialled, so no address policy
   * applies; the same pool, key and host-key pinning (pins kept under the address "tunnel").
   */
  private async watchTunnelled(vm: VmRecord): Promise<void> {
    this.dnsFailures.delete(vm.id);
    const privateKey = await this.keys.privateKey(vm.id);
    if (!this.watched.has(vm.id)) return;
    if (privateKey === null) {
      this.pool.remove(vm.id);
      const message = coded('connection.no_key');
      await this.progress.recordConnection(vm.id, { state: 'unreachable', reason: 'auth_rejected', message, since: new Date().toISOString(), retries: 0 });
      return;
    }
    const pinnedFingerprint = await this.store.pinFor(vm, TUNNEL_PIN_ADDRESS, vm.port);
    if (vm.offeredHostKeyFingerprint !== null) this.offering.add(vm.id);
    if (!this.watched.has(vm.id)) return;
    if (pinnedFingerprint !== vm.hostKeyFingerprint) this.events.emit('attendee.host-key-changed', { attendeeId: vm.id });
    const route = this.tunnels.routeTo(vm.id, vm.port);
    this.pool.ensure({ id: vm.id, privateKey, host: TUNNEL_PIN_ADDRESS, port: vm.port, user: vm.sshUser, pinnedFingerprint, route });
  }

  /**
   * Attendees from before per-attendee keys (or whose key file was lost) get a key of their own now;
   * until they install its line their VM says "key not authorized yet".
   */
  private async issueMissingKeys(vms: VmRecord[]): Promise<void> {
    const generating = new Semaphore(4);
    let issued = 0;
    await Promise.all(
      vms.map((vm) =>
        generating.run(async () => {
          if (vm.sshPublicKey !== null && (await this.keys.privateKey(vm.id)) !== null) return;
          vm.sshPublicKey = await this.keys.issue(vm.id);
          await this.store.saveReissuedKey(vm.id, vm.sshPublicKey);
          issued += 1;
        }),
      ),
    );
    if (issued > 0) this.logger.warn(`issued a new SSH key to ${issued} attendees: their pages ask them to install the new line`);
  }

  private async onStateChange(change: PoolStateChange): Promise<void> {
    if (change.state === 'connected' || change.state === 'unreachable') {
      this.metrics.sshConnectionAttempts.inc({ result: change.state === 'connected' ? 'connected' : (change.reason ?? 'error') });
    }
    const unreachable = change.state === 'unreachable' ? (change.reason ?? 'error') : null;
    // Connected can carry a reason too: commands_blocked, with what the account printed as its message.
    const connected = change.state === 'connected' && change.reason === 'commands_blocked' ? change.reason : null;
    await this.progress
      .recordConnection(change.id, {
        state: change.state,
        reason: unreachable ?? connected,
        message:
          unreachable && unreachable !== 'commands_blocked' ? (change.message ?? unreachableMessage(unreachable)) : connected ? (change.message ?? null) : null,
        since: change.since.toISOString(),
        retries: 0,
      })
      .catch((error: Error) => this.logger.warn(`could not record a connection change: ${error.message}`));
    // After the state is recorded (changes are recorded in the order they happen, and never wait on this), one at a
    // time in that order: the key a VM presents instead of its pin, or the pinned key back.
    const bookkeeping = this.hostKeyBookkeeping
      .then(() => this.noteOfferedHostKey(change))
      .catch((error: Error) => this.logger.warn(`could not record a host key the VM offered: ${error.message}`));
    this.hostKeyBookkeeping = bookkeeping;
    await bookkeeping;
  }

  private async noteOfferedHostKey(change: PoolStateChange): Promise<void> {
    const offered = change.offeredHostKey;
    let changed = false;
    if (offered) {
      changed = await this.store.offerHostKey(change.id, offered.fingerprint, offered.algorithm);
      if (changed) this.offering.add(change.id);
    } else if (change.state === 'connected' && this.offering.delete(change.id)) {
      changed = await this.store.clearOfferedHostKey(change.id);
    }
    if (changed) this.events.emit('attendee.host-key-changed', { attendeeId: change.id });
  }

  private async pin({ id: attendeeId, host, port, fingerprint, algorithm }: HostKeySeen): Promise<void> {
    if (await this.store.pinHostKey(attendeeId, host, port, fingerprint, algorithm)) {
      this.pool.pin(attendeeId, fingerprint);
      this.logger.log(`pinned host key ${fingerprint} for attendee ${attendeeId}`);
      this.events.emit('attendee.host-key-changed', { attendeeId });
    }
  }
}
