import { ConnectError, SshConnection, STALLED } from './ssh.connection';
import { Semaphore } from './semaphore';
import type { ConnectionState, UnreachableReason, VmTarget } from './ssh.types';

export interface PoolOptions {
  privateKey: Buffer;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  maxSessionsPerConnection?: number;
  /** Handshakes in flight across all VMs: stock sshd's MaxStartups 10:30:100 drops connects beyond ~10. */
  maxHandshakesInFlight?: number;
  /** Backoff caps: short while an attendee is likely fixing things (key, sshd), longer otherwise. */
  quickRetryCapMs?: number;
  slowRetryCapMs?: number;
  random?: () => number;
}

export interface PoolStateChange {
  id: string;
  state: ConnectionState;
  reason?: UnreachableReason;
  message?: string;
  since: Date;
}

export interface HostKeySeen {
  id: string;
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
}

/** Owns one SSH connection per VM, keeps it up with backoff, and says when its state changes. */
export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private readonly handshakes: Semaphore;
  private readonly stateListeners = new Set<(change: PoolStateChange) => void>();
  private readonly hostKeyListeners = new Set<(seen: HostKeySeen) => void>();
  private readonly options: Required<PoolOptions>;

  constructor(options: PoolOptions) {
    this.options = {
      readyTimeoutMs: 10_000,
      keepaliveIntervalMs: 12_000,
      maxSessionsPerConnection: 4,
      maxHandshakesInFlight: 8,
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
    if (existing && sameMachine(existing.target, target) && existing.target.pinnedFingerprint === target.pinnedFingerprint) return;
    if (existing) this.remove(target.id);
    const entry: Entry = { target, connection: null, state: 'idle', attempt: 0, timer: null, connecting: false, removed: false, quietRetryUsed: false };
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

  private async connect(entry: Entry): Promise<void> {
    entry.connecting = true;
    this.setState(entry, { state: 'connecting' });
    try {
      const { connection, fingerprint, algorithm } = await this.handshakes.run(() =>
        entry.removed
          ? Promise.reject(new ConnectError('error', 'removed'))
          : SshConnection.connect(entry.target, {
              privateKey: this.options.privateKey,
              readyTimeoutMs: this.options.readyTimeoutMs,
              keepaliveIntervalMs: this.options.keepaliveIntervalMs,
              maxSessions: this.options.maxSessionsPerConnection,
            }),
      );
      entry.connecting = false;
      if (entry.removed) return connection.close();
      entry.connection = connection;
      entry.attempt = 0;
      entry.quietRetryUsed = false;
      if (entry.target.pinnedFingerprint === null) this.hostKeyListeners.forEach((listener) => listener({ id: entry.target.id, fingerprint, algorithm }));
      connection.onClose((error) => {
        if (entry.removed || entry.connection !== connection) return;
        entry.connection = null;
        const stalled = error !== null && (error.message.startsWith(STALLED) || /keepalive/i.test(error.message));
        const reason = stalled ? 'timeout' : 'error';
        this.setState(entry, { state: 'unreachable', reason, message: stalled ? error.message : `the connection dropped${error ? `: ${error.message}` : ''}` });
        this.scheduleRetry(entry, reason, true);
      });
      this.setState(entry, { state: 'connected' });
    } catch (error) {
      entry.connecting = false;
      if (entry.removed) return;
      const reason = error instanceof ConnectError ? error.reason : 'error';
      // sshd's MaxStartups drops some handshakes at random when many arrive at once: the connection
      // resets or closes mid-handshake. One quick retry tells that apart from a VM really in trouble.
      if (reason === 'error' && !entry.quietRetryUsed) {
        entry.quietRetryUsed = true;
        entry.timer = setTimeout(
          () => {
            entry.timer = null;
            if (!entry.removed) void this.connect(entry);
          },
          100 + 300 * this.options.random(),
        );
        entry.timer.unref();
        return;
      }
      this.setState(entry, { state: 'unreachable', reason, message: (error as Error).message });
      this.scheduleRetry(entry, reason, false);
    }
  }

  private scheduleRetry(entry: Entry, reason: UnreachableReason, immediately: boolean): void {
    const quick = reason === 'auth_rejected' || reason === 'refused' || reason === 'error';
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
    const full: PoolStateChange = { id: entry.target.id, since: new Date(), ...change };
    this.stateListeners.forEach((listener) => listener(full));
  }
}

function sameMachine(a: VmTarget, b: VmTarget): boolean {
  return a.host === b.host && a.port === b.port && a.user === b.user;
}
