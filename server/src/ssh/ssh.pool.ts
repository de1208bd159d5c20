import { coded, type Coded } from '../contract/i18n/coded';
import { CodedError } from '../contract/i18n/english';
import { ConnectError, DEFAULT_HANDSHAKE_CEILING_MS, SshConnection, STALLED } from './ssh.connection';
import { Semaphore } from './semaphore';
import type { ConnectionState, UnreachableReason, VmTarget } from './ssh.types';

export interface PoolOptions {
  /** The key for targets that bring none (tools and tests); the server gives every target its attendee's own key. */
  privateKey?: Buffer;
  readyTimeoutMs?: number;
  /** The most a login may take on a slow link (the budget adapts to the round trip up to this). */
  handshakeCeilingMs?: number;
  keepaliveIntervalMs?: number;
  maxSessionsPerConnection?: number;
  /** Handshakes in flight across all VMs (CPU: each is a key exchange). */
  maxHandshakesInFlight?: number;
  /**
   * Handshakes in flight to one host:port: stock sshd's MaxStartups 10:30:100 starts dropping
   * unauthenticated connections at 10, and many attendees may share one sshd (a bastion, one big VM).
   */
  maxHandshakesPerHost?: number;
  /** Drops before greeting (MaxStartups) retried quietly before the VM is called unreachable. */
  quietDropRetries?: number;
  /** Backoff caps: short while an attendee is likely fixing things (key, sshd), longer otherwise. */
  quickRetryCapMs?: number;
  slowRetryCapMs?: number;
  random?: () => number;
}

export interface PoolStateChange {
  id: string;
  state: ConnectionState;
  /** Unreachable: why. Connected: commands_blocked when the account cannot run commands. */
  reason?: UnreachableReason | 'commands_blocked';
  /** What happened, as a code (englishText for logs); commands_blocked: what the account printed. */
  message?: Coded;
  /** host_key_changed: the key the VM presented instead of the pinned one. */
  offeredHostKey?: { fingerprint: string; algorithm: string };
  since: Date;
}

export interface HostKeySeen {
  id: string;
  /** The address and port dialled: pins are kept per address. */
  host: string;
  port: number;
  fingerprint: string;
  algorithm: string;
}

interface Entry {
  target: VmTarget;
  connection: SshConnection | null;
  state: ConnectionState;
  attempt: number;
  timer: NodeJS.Timeout | null;
  connecting: boolean;
  removed: boolean;
  /** A handshake dropped mid-way is retried once before anyone is told: see connect(). */
  quietRetryUsed: boolean;
  /** Consecutive drops before greeting (sshd's MaxStartups), retried with jitter while the VM stays "connecting". */
  drops: number;
  /** Connection attempts started, ever: tells a late report about an old connection from the current attempt. */
  attempts: number;
}

/** How long a tunnelled VM's closed connection waits to learn whether its tunnel closed too (see connectionLost). */
const ROUTE_SETTLE_MS = 150;

/** Owns one SSH connection per VM, keeps it up with backoff, and says when its state changes. */
export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private readonly handshakes: Semaphore;
  private readonly hostHandshakes = new Map<string, { semaphore: Semaphore; users: number }>();
  private readonly stateListeners = new Set<(change: PoolStateChange) => void>();
  private readonly hostKeyListeners = new Set<(seen: HostKeySeen) => void>();
  private readonly options: Required<Omit<PoolOptions, 'privateKey'>> & Pick<PoolOptions, 'privateKey'>;

  constructor(options: PoolOptions) {
    this.options = {
      readyTimeoutMs: 10_000,
      handshakeCeilingMs: DEFAULT_HANDSHAKE_CEILING_MS,
      keepaliveIntervalMs: 12_000,
      maxSessionsPerConnection: 4,
      maxHandshakesInFlight: 8,
      maxHandshakesPerHost: 6,
      quietDropRetries: 20,
      quickRetryCapMs: 4_000,
      // Both caps are about one probe interval: a VM that comes back is seen again within two sweeps.
      slowRetryCapMs: 6_000,
      random: Math.random,
      ...options,
    };
    this.handshakes = new Semaphore(this.options.maxHandshakesInFlight);
  }

  get handshakesInFlight(): number {
    return this.handshakes.inUse;
  }

  onStateChange(listener: (change: PoolStateChange) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onHostKeyFirstSeen(listener: (seen: HostKeySeen) => void): () => void {
    this.hostKeyListeners.add(listener);
    return () => this.hostKeyListeners.delete(listener);
  }

  /** Watch this VM; a changed address, port or user replaces the connection. */
  ensure(target: VmTarget): void {
    const existing = this.entries.get(target.id);
    if (existing && sameMachine(existing.target, target) && existing.target.pinnedFingerprint === target.pinnedFingerprint && sameKey(existing.target, target))
      return;
    if (existing) this.remove(target.id);
    const entry: Entry = {
      target,
      connection: null,
      state: 'waiting',
      attempt: 0,
      timer: null,
      connecting: false,
      removed: false,
      quietRetryUsed: false,
      drops: 0,
      attempts: 0,
    };
    this.entries.set(target.id, entry);
    void this.connect(entry);
  }

  get(id: string): SshConnection | undefined {
    const connection = this.entries.get(id)?.connection;
    return connection?.isOpen ? connection : undefined;
  }

  stateOf(id: string): ConnectionState | undefined {
    return this.entries.get(id)?.state;
  }

  /** Records a pin without reconnecting: the live connection already presented this key. */
  pin(id: string, fingerprint: string): void {
    const entry = this.entries.get(id);
    if (entry) entry.target = { ...entry.target, pinnedFingerprint: fingerprint };
  }

  /** Skip the backoff and try now (an attendee just added the key, or the navigator asked). */
  connectNow(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || entry.connecting || entry.connection?.isOpen) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.attempt = 0;
    void this.connect(entry);
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.removed = true;
    if (entry.timer) clearTimeout(entry.timer);
    entry.connection?.close();
    this.entries.delete(id);
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.entries.keys()]) this.remove(id);
    await Promise.resolve();
  }

  /**
   * A slot among the handshakes in flight to one host:port, held until the session's shell has
   * started: sshd counts a login as a startup until its pre-auth child has handed over and exited,
   * which is after the client has heard "authenticated".
   */
  private async hostSlot(target: VmTarget): Promise<() => void> {
    // A tunnelled VM shares no sshd with anyone: its slot is its own.
    const key = target.route ? `route:${target.route.id}` : `${target.host}:${target.port}`;
    let host = this.hostHandshakes.get(key);
    if (!host) {
      host = { semaphore: new Semaphore(this.options.maxHandshakesPerHost), users: 0 };
      this.hostHandshakes.set(key, host);
    }
    const held = host;
    held.users += 1;
    const done = () => {
      held.users -= 1;
      if (held.users === 0) this.hostHandshakes.delete(key);
    };
    try {
      const release = await held.semaphore.acquire();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
        done();
      };
    } catch (error) {
      done();
      throw error;
    }
  }

  private async connect(entry: Entry): Promise<void> {
    entry.connecting = true;
    entry.attempts += 1;
    // A quiet retry after a drop is still the same attempt to connect: no news.
    if (entry.state !== 'connecting') this.setState(entry, { state: 'connecting' });
    const releaseHost = await this.hostSlot(entry.target);
    try {
      // First the host's own cap (queued in order), then the global one (CPU: each is a key exchange).
      const privateKey = entry.target.privateKey ?? this.options.privateKey;
      if (!privateKey) throw new ConnectError('auth_rejected', coded('connection.no_vm_key'));
      const { connection, fingerprint, algorithm } = await this.handshakes.run(() =>
        entry.removed
          ? Promise.reject(new ConnectError('error', coded('connection.error_detail', { detail: 'removed' })))
          : SshConnection.connect(entry.target, {
              privateKey,
              readyTimeoutMs: this.options.readyTimeoutMs,
              handshakeCeilingMs: this.options.handshakeCeilingMs,
              keepaliveIntervalMs: this.options.keepaliveIntervalMs,
              maxSessions: this.options.maxSessionsPerConnection,
            }),
      );
      if (entry.removed) {
        entry.connecting = false;
        return connection.close();
      }
      entry.attempt = 0;
      entry.quietRetryUsed = false;
      entry.drops = 0;
      if (entry.target.pinnedFingerprint === null)
        this.hostKeyListeners.forEach((listener) =>
          listener({ id: entry.target.id, host: entry.target.host, port: entry.target.port, fingerprint, algorithm }),
        );
      connection.onClose((error) => {
        if (entry.removed || entry.connection !== connection) return;
        entry.connection = null;
        // A VM's ssh that exits closes its channels a moment before its tunnel connection ends: the route is asked
        // again after that moment, so a closed tunnel reads "tunnel closed", not a lost connection first.
        if (entry.target.route && !entry.target.route.lost()) {
          const attempt = entry.attempts;
          // Unless the tunnel's return has started a new attempt meanwhile: that attempt says what happens.
          setTimeout(() => entry.attempts === attempt && this.connectionLost(entry, error), ROUTE_SETTLE_MS).unref();
        } else this.connectionLost(entry, error);
      });
      entry.connection = connection;
      // The kept-open shell starts now, so an account that cannot run commands is known from the start.
      const blocked = await connection.startShell().catch(() => null);
      releaseHost();
      entry.connecting = false;
      // Closed meanwhile: onClose has said so and scheduled the retry.
      if (entry.removed || entry.connection !== connection) return;
      connection.onCommandsBlocked((printed) => {
        if (entry.connection === connection) this.setState(entry, connectedState(printed));
      });
      this.setState(entry, connectedState(blocked));
    } catch (error) {
      entry.connecting = false;
      if (entry.removed) return;
      const reason = error instanceof ConnectError ? error.reason : 'error';
      // sshd's MaxStartups drops handshakes at random when many arrive at once (a room behind one sshd,
      // everyone's restart): accepted, then closed before greeting. The VM is fine; try again soon, with jitter.
      if (reason === 'dropped' && entry.drops < this.options.quietDropRetries) {
        entry.drops += 1;
        this.retryQuietly(entry, Math.min(this.options.quickRetryCapMs, 250 * 2 ** Math.min(entry.drops, 4)) * (0.5 + this.options.random()));
        return;
      }
      // A handshake that broke mid-way (a reset) is retried once before anyone is told.
      if (reason === 'error' && !entry.quietRetryUsed) {
        entry.quietRetryUsed = true;
        this.retryQuietly(entry, 100 + 300 * this.options.random());
        return;
      }
      const offeredHostKey = error instanceof ConnectError ? error.offeredHostKey : undefined;
      const message = error instanceof CodedError ? error.coded : coded('connection.error_detail', { detail: (error as Error).message ?? String(error) });
      this.setState(entry, { state: 'unreachable', reason, message, ...(offeredHostKey ? { offeredHostKey } : {}) });
      this.scheduleRetry(entry, reason, false);
    } finally {
      releaseHost();
    }
  }

  /** A live connection ended: why (its route went, it stalled, or it dropped), and the retry. */
  private connectionLost(entry: Entry, error: Error | null): void {
    if (entry.removed) return;
    // The route went (the VM's tunnel closed): that, not the connection's own error, is why.
    const routeLost = entry.target.route?.lost() ?? null;
    if (routeLost) {
      this.setState(entry, { state: 'unreachable', reason: routeLost.reason, message: routeLost.coded });
      this.scheduleRetry(entry, routeLost.reason, false);
      return;
    }
    const stalled = error !== null && (error.message.startsWith(STALLED) || /keepalive/i.test(error.message));
    // Anything else ended a connection that was up (sshd killed, a reset, the socket closed): lost, not a login error.
    const reason = stalled ? 'timeout' : 'lost';
    const message =
      error instanceof CodedError
        ? error.coded
        : stalled
          ? coded('connection.error_detail', { detail: error.message })
          : error
            ? coded('connection.lost_detail', { detail: error.message })
            : coded('connection.lost');
    this.setState(entry, { state: 'unreachable', reason, message });
    this.scheduleRetry(entry, reason, true);
  }

  private retryQuietly(entry: Entry, delayMs: number): void {
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (!entry.removed) void this.connect(entry);
    }, delayMs);
    entry.timer.unref();
  }

  private scheduleRetry(entry: Entry, reason: UnreachableReason, immediately: boolean): void {
    const quick = reason === 'auth_rejected' || reason === 'refused' || reason === 'error' || reason === 'dropped' || reason === 'lost';
    const cap = quick ? this.options.quickRetryCapMs : this.options.slowRetryCapMs;
    // Quick reasons start at half a second: a restarted sshd (a reboot, a mass restart) listens again within a second or two.
    const base = immediately ? 250 : Math.min(cap, (quick ? 500 : 1000) * 2 ** entry.attempt);
    const delay = base * (0.7 + 0.6 * this.options.random());
    entry.attempt += 1;
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (!entry.removed) void this.connect(entry);
    }, delay);
    entry.timer.unref();
  }

  private setState(entry: Entry, change: Omit<PoolStateChange, 'id' | 'since'>): void {
    entry.state = change.state;
    if (change.state !== 'connecting') entry.drops = 0;
    const full: PoolStateChange = { id: entry.target.id, since: new Date(), ...change };
    this.stateListeners.forEach((listener) => listener(full));
  }
}

function connectedState(blockedPrinted: string | null): Omit<PoolStateChange, 'id' | 'since'> {
  if (blockedPrinted === null) return { state: 'connected' };
  // Nothing printed: blocked all the same, with nothing to quote.
  return {
    state: 'connected',
    reason: 'commands_blocked',
    ...(blockedPrinted ? { message: coded('connection.account_printed', { printed: blockedPrinted }) } : {}),
  };
}

function sameKey(a: VmTarget, b: VmTarget): boolean {
  return a.privateKey === b.privateKey || (a.privateKey !== undefined && b.privateKey !== undefined && a.privateKey.equals(b.privateKey));
}

function sameMachine(a: VmTarget, b: VmTarget): boolean {
  return a.host === b.host && a.port === b.port && a.user === b.user && a.route?.id === b.route?.id;
}
