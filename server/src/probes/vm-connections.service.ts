import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AddressPolicy } from '../attendees/address.policy';
import type { ConnectionView } from '../board/board.events';
import { DomainEventBus } from '../common/domain-events';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { Attendee } from '../generated/prisma/client';
import { MetricsService } from '../metrics/metrics.service';
import { PrismaService } from '../prisma/prisma.service';
import { SshKeyStore } from '../ssh/ssh.keys';
import { sshNativeCryptoAvailable } from '../ssh/native-crypto';
import { SshPool, type PoolStateChange } from '../ssh/ssh.pool';
import { REASON_MESSAGES, type VmChannel, type VmTarget } from '../ssh/ssh.types';
import { WorkshopsService } from '../workshops/workshops.service';

const DNS_RETRY_MS = 15_000;

/**
 * Which VMs Navigator watches: every registered attendee's, from registration (or start-up) on.
 * Pins a host key at the first successful connection, records connection transitions, and tells
 * the board. The pool owns the connections; this owns the decision of what to connect to.
 */
@Injectable()
export class VmConnectionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(VmConnectionsService.name);
  private readonly pool: SshPool;
  private readonly views = new Map<string, ConnectionView>();
  /** The last reachable/unreachable status recorded per VM: "connecting" in between is not history. */
  private readonly lastVmStatus = new Map<string, string>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly dnsRetries = new Map<string, NodeJS.Timeout>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    keys: SshKeyStore,
    private readonly policy: AddressPolicy,
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly events: DomainEventBus,
    private readonly metrics: MetricsService,
  ) {
    this.pool = new SshPool({ privateKey: keys.privateKey, maxHandshakesInFlight: Math.min(config.probeConcurrency, 16) });
    metrics.gauge('navigator_ssh_connections', 'SSH connections to attendee VMs, by state', ['state'], (set) => {
      const counts: Record<string, number> = { connected: 0, connecting: 0, unreachable: 0, waiting: 0 };
      for (const view of this.views.values()) counts[view.state] += 1;
      for (const [state, count] of Object.entries(counts)) set({ state }, count);
    });
    metrics.gauge('navigator_ssh_handshakes_in_flight', 'SSH handshakes under way', [], (set) => set({}, this.pool.handshakesInFlight));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!sshNativeCryptoAvailable())
      this.logger.warn("ssh2's native crypto binding is not built (npm ci with a C++ toolchain builds it): probing costs about twice the CPU");
    this.unsubscribe.push(
      this.pool.onStateChange((change) => void this.onStateChange(change)),
      this.pool.onHostKeyFirstSeen(({ id, fingerprint, algorithm }) => void this.pin(id, fingerprint, algorithm)),
      this.events.on('attendee.registered', ({ attendeeId }) => void this.watch(attendeeId)),
      this.events.on('attendee.changed', ({ attendeeId }) => void this.watch(attendeeId)),
    );
    const attendees = await this.prisma.attendee.findMany({ where: { workshopId: this.workshops.workshop.id } });
    // After a restart, reconnecting to a VM whose last recorded status was "reachable" is not a new transition.
    const latest = await this.prisma.$queryRawUnsafe<{ attendeeId: string; toStatus: string }[]>(
      `SELECT t.attendeeId, t.toStatus FROM "Transition" t
       JOIN (SELECT attendeeId, MAX(id) AS id FROM "Transition" WHERE checkId IS NULL GROUP BY attendeeId) last ON last.id = t.id`,
    );
    for (const row of latest) this.lastVmStatus.set(row.attendeeId, row.toStatus);
    await Promise.all(attendees.map((attendee) => this.watchAttendee(attendee)));
    this.logger.log(`watching ${attendees.length} VMs`);
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe.forEach((off) => off());
    this.dnsRetries.forEach((timer) => clearTimeout(timer));
    await this.pool.closeAll();
  }

  connectionOf(attendeeId: string): ConnectionView {
    return this.views.get(attendeeId) ?? { state: 'waiting', reason: null, message: null, since: new Date(0).toISOString() };
  }

  /** The live connection to a VM, when there is one: what the probes run on. */
  connection(attendeeId: string): VmChannel | undefined {
    return this.pool.get(attendeeId);
  }

  reconnectNow(attendeeId: string): boolean {
    if (!this.views.has(attendeeId)) return false;
    if (this.pool.stateOf(attendeeId) === undefined) void this.watch(attendeeId);
    else this.pool.connectNow(attendeeId);
    return true;
  }

  private async watch(attendeeId: string): Promise<void> {
    const attendee = await this.prisma.attendee.findUnique({ where: { id: attendeeId } });
    if (attendee) await this.watchAttendee(attendee);
  }

  private async watchAttendee(attendee: Attendee): Promise<void> {
    clearTimeout(this.dnsRetries.get(attendee.id));
    const verdict = await this.policy.check(attendee.host);
    if (!verdict.ok) {
      this.pool.remove(attendee.id);
      const reason = verdict.reason === 'refused' ? 'address_refused' : 'dns';
      await this.record(attendee.id, { state: 'unreachable', reason, message: verdict.message, since: new Date().toISOString() });
      // Names are resolved here, never by the pool: a room of typos must not fill libuv's small DNS thread pool.
      if (reason === 'dns') this.dnsRetries.set(attendee.id, setTimeout(() => void this.watch(attendee.id), DNS_RETRY_MS).unref());
      return;
    }
    const target: VmTarget = {
      id: attendee.id,
      // Connect to the address that was checked, so a DNS answer that changes later cannot point us elsewhere.
      host: verdict.addresses[0],
      port: attendee.port,
      user: attendee.sshUser,
      pinnedFingerprint: attendee.hostKeyFingerprint,
    };
    this.pool.ensure(target);
  }

  private async onStateChange(change: PoolStateChange): Promise<void> {
    // A retry after a failure is not news: the VM stays unreachable (with its reason) until a retry succeeds.
    if (change.state === 'connecting' && this.views.get(change.id)?.state === 'unreachable') return;
    if (change.state === 'connected' || change.state === 'unreachable') {
      this.metrics.sshConnectionAttempts.inc({ result: change.state === 'connected' ? 'connected' : (change.reason ?? 'error') });
    }
    const view: ConnectionView = {
      state: change.state === 'idle' ? 'waiting' : change.state,
      reason: change.state === 'unreachable' ? (change.reason ?? 'error') : null,
      message: change.state === 'unreachable' ? (change.message ?? REASON_MESSAGES[change.reason ?? 'error']) : null,
      since: change.since.toISOString(),
    };
    await this.record(change.id, view);
  }

  private async record(attendeeId: string, view: ConnectionView): Promise<void> {
    const previous = this.views.get(attendeeId);
    this.views.set(attendeeId, view);
    if (previous?.state === view.state && previous.reason === view.reason) return;
    if (view.state === 'connected' || view.state === 'unreachable') {
      const previousStatus = this.lastVmStatus.get(attendeeId) ?? null;
      this.lastVmStatus.set(attendeeId, vmStatus(view));
      if (previousStatus !== vmStatus(view)) {
        await this.prisma.transition
          .create({ data: { attendeeId, fromStatus: previousStatus, toStatus: vmStatus(view), reason: view.reason, at: new Date(view.since) } })
          .catch((error: Error) => this.logger.warn(`could not record a connection transition: ${error.message}`));
      }
    }
    if (view.state === 'connected') await this.prisma.attendee.update({ where: { id: attendeeId }, data: { lastSeenAt: new Date() } }).catch(() => undefined);
    this.events.emit('vm.connection', { attendeeId });
  }

  private async pin(attendeeId: string, fingerprint: string, algorithm: string): Promise<void> {
    const updated = await this.prisma.attendee.updateMany({
      where: { id: attendeeId, hostKeyFingerprint: null },
      data: { hostKeyFingerprint: fingerprint, hostKeyAlgorithm: algorithm, hostKeyPinnedAt: new Date() },
    });
    if (updated.count > 0) {
      this.pool.pin(attendeeId, fingerprint);
      this.logger.log(`pinned host key ${fingerprint} for attendee ${attendeeId}`);
      this.events.emit('attendee.changed', { attendeeId });
    }
  }
}

function vmStatus(view: ConnectionView): string {
  return view.state === 'connected' ? 'reachable' : `unreachable:${view.reason ?? 'error'}`;
}
