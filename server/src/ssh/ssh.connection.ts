import net from 'node:net';
import { Client } from 'ssh2';
import { classifyConnectError } from './connect-error';
import { fingerprintOf, keyAlgorithmOf } from './host-key';
import { ForwardedHttp } from './forwarded-http';
import { RemoteShell } from './remote-shell';
import { Semaphore } from './semaphore';
import type { ExecOptions, ExecResult, HttpResponse, RequestOptions, ShellRun, UnreachableReason, VmChannel, VmTarget } from './ssh.types';

export interface ConnectOptions {
  privateKey: Buffer;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Sessions (exec or forward) open at once on one connection; stock sshd allows 10. */
  maxSessions: number;
  /**
   * With a probe waiting, this long without a byte from the VM means the connection is dead (its
   * network went down): found within a sweep or two instead of after keepalive's 30+ s.
   */
  stallMs?: number;
}

export const DEFAULT_STALL_MS = 4_000;

/** The message a connection closed by the stall watchdog carries; the pool reads it as a timeout. */
export const STALLED = 'no answer from the VM';

export class ConnectError extends Error {
  constructor(
    readonly reason: UnreachableReason,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectedVm {
  connection: SshConnection;
  fingerprint: string;
  algorithm: string;
}

const DEFAULT_MAX_OUTPUT = 64 * 1024;

/** One ssh2 client to one VM: exec with a deadline, and HTTP to the VM's localhost over forwardOut. */
export class SshConnection implements VmChannel {
  private readonly sessions: Semaphore;
  private readonly shell: RemoteShell;
  private readonly http: ForwardedHttp;
  private closed = false;
  private readonly closeListeners: ((error: Error | null) => void)[] = [];
  /** Probe calls (shell runs, HTTP requests) waiting for the VM, and when it last sent anything. */
  private waiting = 0;
  private heardAt = performance.now();
  private readonly watchdog: NodeJS.Timeout;

  private constructor(
    private readonly client: Client,
    socket: net.Socket,
    maxSessions: number,
    stallMs: number,
  ) {
    // The kept-open shell holds one session for the life of the connection.
    this.sessions = new Semaphore(Math.max(1, maxSessions - 1));
    this.shell = new RemoteShell(client);
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
    socket.on('data', () => (this.heardAt = performance.now()));
    // A check may rightly stay silent for its whole timeout, so silence is first asked about: an SSH
    // keepalive request, which sshd answers at once however busy the session is.
    let pingedAt = 0;
    this.watchdog = setInterval(() => {
      const silent = performance.now() - this.heardAt;
      // Asked early (a quarter of the way), so even a 1 s round trip with retransmissions has time to answer.
      if (this.waiting === 0 || silent < stallMs / 4) return;
      if (pingedAt < this.heardAt) {
        pingedAt = performance.now();
        (client as unknown as { _protocol?: { ping?: () => void } })._protocol?.ping?.();
      }
      if (silent < stallMs) return;
      clearInterval(this.watchdog);
      onGone(new Error(`${STALLED} for ${Math.round(stallMs / 1000)} s while a probe waited: its network may be down`));
      socket.destroy();
    }, 500);
    this.watchdog.unref();
  }

  /** Counts a probe call as waiting for the VM, for the stall watchdog. */
  private async awaited<T>(call: () => Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.heardAt = performance.now();
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
      const fail = (reason: UnreachableReason, message: string) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        client.end();
        reject(new ConnectError(reason, message));
      };
      const client = new Client();
      const socket = net.connect({ host: target.host, port: target.port });
      // Without it every exec round trip waits ~40 ms on Nagle + delayed ACK.
      socket.setNoDelay(true);
      socket.setTimeout(options.readyTimeoutMs, () => fail('timeout', `no answer from ${target.host}:${target.port} within ${options.readyTimeoutMs} ms`));
      socket.once('error', (error) => fail(classifyConnectError(error), error.message));
      socket.once('connect', () => {
        socket.setTimeout(0);
        client.connect({
          sock: socket,
          username: target.user,
          privateKey: options.privateKey,
          readyTimeout: options.readyTimeoutMs,
          keepaliveInterval: options.keepaliveIntervalMs,
          keepaliveCountMax: 3,
          hostVerifier: (key: Buffer) => {
            seen = { fingerprint: fingerprintOf(key), algorithm: keyAlgorithmOf(key) };
            hostKeyMismatch = target.pinnedFingerprint !== null && target.pinnedFingerprint !== seen.fingerprint;
            return !hostKeyMismatch;
          },
        });
      });
      client.once('ready', () => {
        if (settled || !seen) return fail('error', 'connected without a host key');
        settled = true;
        resolve({ connection: new SshConnection(client, socket, options.maxSessions, options.stallMs ?? DEFAULT_STALL_MS), ...seen });
      });
      client.on('error', (error) => {
        if (hostKeyMismatch && seen) {
          fail('host_key_changed', `host key is ${seen.fingerprint}, pinned ${target.pinnedFingerprint}`);
        } else fail(classifyConnectError(error), error.message);
      });
      client.once('close', () => fail('error', 'the connection closed during the handshake'));
    });
  }

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return this.sessions.run(() => this.execNow(command, options));
  }

  private execNow(command: string, options: ExecOptions): Promise<ExecResult> {
    const started = performance.now();
    const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(error);
        const stdout = new BoundedBuffer(limit);
        const stderr = new BoundedBuffer(limit);
        let code: number | null = null;
        let signal: string | null = null;
        let settled = false;
        const settle = (timedOut: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            code: timedOut ? null : code,
            signal,
            stdout: stdout.text(),
            stderr: stderr.text(),
            durationMs: performance.now() - started,
            timedOut,
            truncated: stdout.truncated || stderr.truncated,
          });
        };
        // The deadline answers at once; the remote side is asked to stop but may take its time.
        const timer = setTimeout(() => {
          settle(true);
          channel.signal('KILL');
          channel.close();
        }, options.timeoutMs);
        channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
          code = exitCode;
          signal = exitSignal ?? null;
        });
        channel.on('data', (data: Buffer) => stdout.push(data));
        channel.stderr.on('data', (data: Buffer) => stderr.push(data));
        channel.on('close', () => settle(false));
        if (options.stdin !== undefined) channel.end(options.stdin);
        else channel.end();
      });
    });
  }

  runInShell(input: string, doneMarker: string, timeoutMs: number): Promise<ShellRun> {
    return this.awaited(() => this.shell.run(input, doneMarker, timeoutMs));
  }

  request(port: number, path: string, options: RequestOptions): Promise<HttpResponse> {
    return this.awaited(() => this.http.request(port, path, options));
  }
}

class BoundedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.size >= this.limit) {
      this.truncated = true;
      return;
    }
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
