import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Client } from 'ssh2';
import { coded, type Coded } from '../contract/i18n/coded';
import { CodedError } from '../contract/i18n/english';
import { classifyConnectError } from './connect-error';
import { fingerprintOf, keyAlgorithmOf } from './host-key';
import { ForwardedHttp } from './forwarded-http';
import { loopClock } from './loop-clock';
import { RemoteShell } from './remote-shell';
import { WatchShell } from './watch-shell';
import { Semaphore } from './semaphore';
import { RouteUnavailable, type HttpResponse, type RequestOptions, type ShellRun, type UnreachableReason, type VmChannel, type VmTarget } from './ssh.types';

export interface ConnectOptions {
  privateKey: Buffer;
  /** The budget for a login on a fast link: TCP connect, the banner and the handshake. */
  readyTimeoutMs: number;
  /**
   * The most a login may take however slow the link: once the banner has shown the round trip, the
   * budget grows to HANDSHAKE_ROUND_TRIPS of it, up to this.
   */
  handshakeCeilingMs?: number;
  keepaliveIntervalMs: number;
  /** Sessions (exec or forward) open at once on one connection; stock sshd allows 10. */
  maxSessions: number;
  /**
   * With a probe waiting, this long without a byte from the VM means the connection is dead (its
   * network went down): found within a sweep or two instead of after keepalive's 30+ s. A slow link
   * gets its round trips on top.
   */
  stallMs?: number;
}

export const DEFAULT_STALL_MS = 4_000;
export const DEFAULT_HANDSHAKE_CEILING_MS = 60_000;
/**
 * Round trips a login needs after the banner, with room to spare: key exchange, new keys, the service
 * request, auth "none", auth publickey (OpenSSH's client needs about 8.5 in all, with its session).
 */
export const HANDSHAKE_ROUND_TRIPS = 10;

/** The message a connection closed by the stall watchdog carries; the pool reads it as a timeout. */
export const STALLED = 'no answer from the VM';

/** Why a login failed: the reason an attendee can act on, and what happened as a code (`message` is its English). */
export class ConnectError extends CodedError {
  constructor(
    readonly reason: UnreachableReason,
    coded: Coded,
    /** host_key_changed: the key the VM presented instead of the pinned one. */
    readonly offeredHostKey?: { fingerprint: string; algorithm: string },
  ) {
    super(coded);
  }
}

export interface ConnectedVm {
  connection: SshConnection;
  fingerprint: string;
  algorithm: string;
  /** The round trip the TCP connect and the banner showed, in ms. */
  rttMs: number;
}

/** The login budget for a link with this round trip: the fast-link budget, or enough round trips, up to the ceiling. */
export function handshakeBudgetMs(rttMs: number, readyTimeoutMs: number, ceilingMs: number): number {
  return Math.min(Math.max(ceilingMs, readyTimeoutMs), Math.max(readyTimeoutMs, HANDSHAKE_ROUND_TRIPS * rttMs + 2000));
}

/** One ssh2 client to one VM: a kept-open shell for the ssh checks, and HTTP to the VM's localhost over forwardOut. */
export class SshConnection implements VmChannel {
  private readonly sessions: Semaphore;
  private readonly shell: RemoteShell;
  private readonly http: ForwardedHttp;
  private closed = false;
  private readonly closeListeners: ((error: Error | null) => void)[] = [];
  /** Probe calls (shell runs, HTTP requests) waiting for the VM, and when it last sent anything. */
  private waiting = 0;
  /** Loop-free time (loopClock) when the VM last sent anything, or a probe started waiting. */
  private heardAt = loopClock.now();
  private readonly watchdog: NodeJS.Timeout;

  private constructor(
    private readonly client: Client,
    socket: Duplex,
    maxSessions: number,
    stallMs: number,
    /** The link's round trip, measured at connect: deadlines of calls on it get this on top. */
    readonly rttMs: number,
  ) {
    // The kept-open shell holds one session for the life of the connection.
    this.sessions = new Semaphore(Math.max(1, maxSessions - 1));
    this.shell = new RemoteShell(client, undefined, 8000 + 3 * rttMs);
    this.http = new ForwardedHttp(client, this.sessions);
    const onGone = (error: Error | null) => {
      if (this.closed) return;
      this.closed = true;
      this.closeListeners.forEach((listener) => listener(error));
    };
    client.on('error', (error) => onGone(error));
    client.on('close', () => {
      clearInterval(this.watchdog);
      onGone(null);
    });
    socket.on('data', () => (this.heardAt = loopClock.now()));
    // A stream that ends under the client (a tunnel's channel, closed when the VM's sshd goes) is the connection gone now,
    // not after the stall watchdog or keepalive notices.
    socket.once('close', () => {
      if (this.closed) return;
      clearInterval(this.watchdog);
      onGone(null);
      client.end();
    });
    // A check may rightly stay silent for its whole timeout, so silence is first asked about: an SSH
    // keepalive request, which sshd answers at once however busy the session is. Silence is counted
    // in loop-free time: while Navigator itself was paused, the VM's answer waits unread in the socket.
    let pingedAt = -1;
    this.watchdog = setInterval(() => {
      const silent = loopClock.now() - this.heardAt;
      // Asked early (a quarter of the way), so even a 1 s round trip with retransmissions has time to answer.
      if (this.waiting === 0 || silent < stallMs / 4) return;
      if (pingedAt < this.heardAt) {
        pingedAt = loopClock.now();
        (client as unknown as { _protocol?: { ping?: () => void } })._protocol?.ping?.();
      }
      if (silent < stallMs) return;
      clearInterval(this.watchdog);
      onGone(new CodedError(coded('connection.stalled', { seconds: Math.round(stallMs / 1000) })));
      socket.destroy();
    }, 500);
    this.watchdog.unref();
  }

  /** Counts a probe call as waiting for the VM, for the stall watchdog. */
  private async awaited<T>(call: () => Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.heardAt = loopClock.now();
    try {
      return await call();
    } finally {
      this.waiting--;
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  onClose(listener: (error: Error | null) => void): void {
    this.closeListeners.push(listener);
  }

  /** Opens the kept-open shell; null when commands run, else what the account printed instead. */
  startShell(): Promise<string | null> {
    return this.awaited(() => this.shell.start());
  }

  /** Hears whether the account can run commands, each time a new shell finds out. */
  onCommandsBlocked(listener: (printed: string | null) => void): () => void {
    return this.shell.onBlockedChange(listener);
  }

  close(): void {
    clearInterval(this.watchdog);
    this.shell.close();
    this.http.closeIdle();
    this.client.end();
  }

  /**
   * Connects and authenticates. The host key is checked before authentication: with a pinned
   * fingerprint that differs, the connection is refused and nothing is ever run.
   */
  static connect(target: VmTarget, options: ConnectOptions): Promise<ConnectedVm> {
    return new Promise((resolve, reject) => {
      let seen: { fingerprint: string; algorithm: string } | null = null;
      let hostKeyMismatch = false;
      let settled = false;
      const ceilingMs = options.handshakeCeilingMs ?? DEFAULT_HANDSHAKE_CEILING_MS;
      const startedAt = loopClock.now();
      let connectedAt: number | null = null;
      /** The round trip, once the banner has come: max(TCP connect, first byte after it). */
      let rttMs: number | null = null;
      let serverSpoke = false;
      let cancelDeadline = () => undefined as void;
      const fail = (reason: UnreachableReason, message: Coded, offeredHostKey?: { fingerprint: string; algorithm: string }) => {
        if (settled) return;
        settled = true;
        cancelDeadline();
        socket?.destroy();
        client.end();
        reject(new ConnectError(reason, message, offeredHostKey));
      };
      const seconds = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
      /** What the socket or ssh2 said: data, shown as it is. */
      const detail = (error: Error) => coded('connection.error_detail', { detail: error.message });
      const armDeadline = (budgetMs: number) => {
        cancelDeadline();
        const left = budgetMs - (loopClock.now() - startedAt);
        cancelDeadline = loopClock.after(Math.max(0, left), () => {
          if (rttMs === null) return fail('timeout', coded('connection.timeout', { host: target.host, port: target.port, seconds: seconds(budgetMs) }));
          const needs = HANDSHAKE_ROUND_TRIPS * rttMs;
          fail(
            'slow_link',
            needs > budgetMs
              ? coded('connection.slow_link', { needs: seconds(needs), roundTrip: seconds(rttMs), budget: seconds(budgetMs) })
              : coded('connection.slow_login', { roundTrip: seconds(rttMs), budget: seconds(budgetMs) }),
          );
        });
      };
      const client = new Client();
      let socket: Duplex | null = null;
      armDeadline(options.readyTimeoutMs);
      /** The stream to sshd is there (a TCP connection, or a channel through a tunnel): the SSH login runs over it. */
      const login = (stream: Duplex) => {
        socket = stream;
        connectedAt = loopClock.now();
        stream.once('data', () => {
          serverSpoke = true;
          const now = loopClock.now();
          rttMs = Math.max((connectedAt ?? now) - startedAt, now - (connectedAt ?? now), 1);
          armDeadline(handshakeBudgetMs(rttMs, options.readyTimeoutMs, ceilingMs));
        });
        client.connect({
          sock: stream,
          username: target.user,
          privateKey: options.privateKey,
          // Navigator's own deadline (above) decides; ssh2's is only a backstop.
          readyTimeout: Math.max(ceilingMs, options.readyTimeoutMs) + 5000,
          keepaliveInterval: options.keepaliveIntervalMs,
          keepaliveCountMax: 3,
          hostVerifier: (key: Buffer) => {
            seen = { fingerprint: fingerprintOf(key), algorithm: keyAlgorithmOf(key) };
            hostKeyMismatch = target.pinnedFingerprint !== null && target.pinnedFingerprint !== seen.fingerprint;
            return !hostKeyMismatch;
          },
        });
      };
      if (target.route) {
        target.route.open().then(
          (stream) => (settled ? stream.destroy() : login(stream)),
          (error: Error) => fail(error instanceof RouteUnavailable ? error.reason : 'error', error instanceof RouteUnavailable ? error.coded : detail(error)),
        );
      } else {
        const tcp = net.connect({ host: target.host, port: target.port });
        socket = tcp;
        // Without it every exec round trip waits ~40 ms on Nagle + delayed ACK.
        tcp.setNoDelay(true);
        tcp.once('error', (error) => fail(classifyConnectError(error), detail(error)));
        tcp.once('connect', () => login(tcp));
      }
      client.once('ready', () => {
        if (settled || !seen || !socket) return fail('error', coded('connection.no_host_key'));
        settled = true;
        cancelDeadline();
        const connection = new SshConnection(client, socket, options.maxSessions, (options.stallMs ?? DEFAULT_STALL_MS) + 3 * (rttMs ?? 0), rttMs ?? 0);
        resolve({ connection, ...seen, rttMs: rttMs ?? 0 });
      });
      // Closed before sshd said a word: the connection was accepted and dropped (MaxStartups under a burst of logins).
      const dropped = () => !serverSpoke && connectedAt !== null;
      client.on('error', (error) => {
        if (hostKeyMismatch && seen) {
          fail('host_key_changed', coded('connection.host_key_mismatch', { offered: seen.fingerprint, pinned: target.pinnedFingerprint ?? '' }), seen);
        } else if (dropped()) fail('dropped', coded('connection.dropped_detail', { detail: error.message }));
        else fail(classifyConnectError(error), detail(error));
      });
      client.once('close', () => (dropped() ? fail('dropped', coded('connection.dropped')) : fail('error', coded('connection.closed_in_handshake'))));
    });
  }

  watch(script: string, onLine: (line: string) => void, onEnd: () => void): Promise<WatchShell> {
    return WatchShell.open(this.client, script, onLine, onEnd);
  }

  runInShell(input: string, doneMarker: string, timeoutMs: number, setup?: string): Promise<ShellRun> {
    return this.awaited(() => this.shell.run(input, doneMarker, timeoutMs + 2 * this.rttMs, setup));
  }

  request(port: number, path: string, options: RequestOptions): Promise<HttpResponse> {
    // A new forwarded channel costs a round trip before the request's own.
    return this.awaited(() => this.http.request(port, path, { ...options, timeoutMs: options.timeoutMs + 2 * this.rttMs }));
  }
}
