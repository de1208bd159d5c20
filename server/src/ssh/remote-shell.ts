import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { loopClock } from './loop-clock';
import { CommandsBlocked, type ShellRun } from './ssh.types';

/** What an account printed instead of running our shell is kept up to this size (a banner, a "not available"). */
const PRINTED_LIMIT = 600;

/** The kept-open shell's scratch file, in one of these directories, named with the shell's pid: removed when the shell is killed. */
export const SHELL_SCRATCH_FILE = '.navigator-checks-';
const SCRATCH_DIRECTORIES = ['"${XDG_RUNTIME_DIR:-/nonexistent}"', '/dev/shm', '"${TMPDIR:-/tmp}"'];

/**
 * One `sh -s` kept open on the VM for the life of the connection. Each run writes shell input to it
 * and resolves when the output contains the run's done marker. Compared with one exec per sweep this
 * saves a channel open/close, sshd's fork and the login shell's start-up on the VM, every sweep.
 * Runs are serialised; a run that overruns its deadline discards the shell, and the next run opens
 * a fresh one. The fresh shell first kills the discarded one's whole process group (sshd makes each
 * shell its own session), so nothing a hung command started lives on: the shell runs its commands
 * without a `timeout` of its own (issue 21: a sweep starts as few processes on the VM as it can).
 *
 * A shell is used only once it has answered a first line: an account with ForceCommand, a nologin
 * shell or a restricted `command=` runs something else, which prints its own text and usually exits.
 * That text is kept and the run reports the commands as blocked instead of as results.
 */
export class RemoteShell {
  private channel: ClientChannel | null = null;
  private opening: Promise<ClientChannel> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private listener: ((chunk: Buffer | null) => void) | null = null;
  private readonly blockedListeners = new Set<(printed: string | null) => void>();
  /** What the current shell has been given to define (SHELL_SETUP): sent once per shell, not once per run. */
  private setups = new Set<string>();
  /** The current shell's pid, which is its process group's (a session leader). */
  private pid: number | null = null;
  /** A discarded shell whose process group the next shell kills first (with its scratch file). */
  private discardedPid: number | null = null;
  /** Null while commands run; what the account printed when they are blocked. */
  blocked: string | null = null;

  constructor(
    private readonly client: Client,
    private readonly maxOutputBytes = 256 * 1024,
    /** How long a new shell may take to answer its first line (a slow link adds its round trips). */
    private readonly startTimeoutMs = 8000,
  ) {}

  run(input: string, doneMarker: string, timeoutMs: number, setup = ''): Promise<ShellRun> {
    const next = this.queue.then(() => this.runNow(input, doneMarker, timeoutMs, setup));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Opens the shell now (at connection time), so a blocked account is known before the first probe. */
  async start(): Promise<string | null> {
    await this.run('', '', 0).catch(() => undefined);
    return this.blocked;
  }

  onBlockedChange(listener: (printed: string | null) => void): () => void {
    this.blockedListeners.add(listener);
    return () => this.blockedListeners.delete(listener);
  }

  close(): void {
    this.discard();
  }

  private async runNow(input: string, doneMarker: string, timeoutMs: number, setup: string): Promise<ShellRun> {
    const started = performance.now();
    let channel: ClientChannel;
    try {
      channel = await this.open();
    } catch (error) {
      if (error instanceof CommandsBlocked)
        return { stdout: '', durationMs: performance.now() - started, timedOut: false, closed: true, blocked: error.printed };
      throw error;
    }
    if (!input) return { stdout: '', durationMs: performance.now() - started, timedOut: false, closed: false };
    // In the same write as the run: a shell that is discarded takes its setups with it, and a new one gets them again.
    if (setup && !this.setups.has(setup)) {
      this.setups.add(setup);
      input = setup + input;
    }
    input = this.killDiscarded() + input;
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let recent = '';
      let settled = false;
      let lastHeard = performance.now();
      const settle = (outcome: { timedOut: boolean; closed: boolean }) => {
        if (settled) return;
        settled = true;
        cancelTimer();
        this.listener = null;
        if (outcome.timedOut) this.discard({ killGroup: true });
        const now = performance.now();
        resolve({ stdout: Buffer.concat(chunks).toString('utf8'), durationMs: now - started, quietMs: now - lastHeard, ...outcome });
      };
      const cancelTimer = loopClock.after(timeoutMs, () => settle({ timedOut: true, closed: false }));
      this.listener = (chunk) => {
        if (chunk === null) return settle({ timedOut: false, closed: true });
        lastHeard = performance.now();
        if (size < this.maxOutputBytes) {
          chunks.push(chunk);
          size += chunk.length;
        }
        // The marker is short: the last few hundred characters are enough to find it, however the output was split.
        recent = (recent + chunk.toString('latin1')).slice(-(doneMarker.length + 256));
        if (recent.includes(doneMarker) || size >= this.maxOutputBytes) settle({ timedOut: false, closed: false });
      };
      channel.write(input);
      lastHeard = performance.now();
    });
  }

  private open(): Promise<ClientChannel> {
    if (this.channel) return Promise.resolve(this.channel);
    this.opening ??= new Promise<ClientChannel>((resolve, reject) => {
      // Whatever the login shell is, `exec sh -s` gives a POSIX shell that reads commands as they arrive.
      this.client.exec('exec sh -s', (error, channel) => {
        if (error) {
          this.opening = null;
          return reject(error);
        }
        // The marker is assembled by the shell, so a forced command that echoes its input (cat) cannot fake it.
        const token = randomBytes(6).toString('hex');
        const ready = `@@ready-${token}`;
        let printed = '';
        let settled = false;
        const onData = (chunk: Buffer) => {
          printed = (printed + chunk.toString('utf8')).slice(-4096);
          const at = printed.indexOf(ready);
          const line = at >= 0 ? printed.slice(at + ready.length).split('\n') : [];
          if (line.length > 1) started(/^ (\d+)$/.exec(line[0])?.[1]);
        };
        const onClose = () => gave(new CommandsBlocked(shorten(printed)));
        const cancelTimer = loopClock.after(this.startTimeoutMs, () => {
          // Something that printed and then waits (a menu, a forced command) is not a shell; silence may just be a slow VM.
          if (printed.trim()) gave(new CommandsBlocked(shorten(printed)));
          else gave(new Error(`the shell did not start within ${this.startTimeoutMs} ms`));
        });
        const detach = () => {
          settled = true;
          cancelTimer();
          channel.removeListener('data', onData);
          channel.stderr.removeListener('data', onData);
          channel.removeListener('close', onClose);
        };
        const gave = (failure: Error) => {
          if (settled) return;
          detach();
          this.opening = null;
          channel.close();
          if (failure instanceof CommandsBlocked) this.setBlocked(failure.printed);
          reject(failure);
        };
        const started = (pid: string | undefined) => {
          if (settled) return;
          detach();
          this.opening = null;
          this.channel = channel;
          this.setups = new Set();
          this.pid = pid && Number(pid) > 1 ? Number(pid) : null;
          // A discarded shell may still speak or close (it dies when the next shell kills it): not to the next shell's run.
          channel.on('data', (chunk: Buffer) => this.channel === channel && this.listener?.(chunk));
          channel.stderr.resume();
          channel.on('close', () => {
            if (this.channel !== channel) return;
            this.channel = null;
            this.listener?.(null);
          });
          this.setBlocked(null);
          resolve(channel);
        };
        channel.on('data', onData);
        channel.stderr.on('data', onData);
        channel.once('close', onClose);
        channel.write(`printf '@@%s-%s %s\\n' ready ${token} $$\n`);
      });
    });
    return this.opening;
  }

  private setBlocked(printed: string | null): void {
    if (this.blocked === printed) return;
    this.blocked = printed;
    this.blockedListeners.forEach((listener) => listener(printed));
  }

  private discard(options: { killGroup?: boolean } = {}): void {
    const channel = this.channel;
    const pid = this.pid;
    this.channel = null;
    this.pid = null;
    if (!channel) return;
    // A run still waiting on it (the connection is being closed) ends now, as closed.
    this.listener?.(null);
    // sshd signals only the shell itself: what the shell was waiting for is killed by the next shell, first thing.
    if (options.killGroup && pid !== null) this.discardedPid = pid;
    channel.signal('KILL');
    channel.close();
  }

  /** What the next shell runs first: the discarded shell's process group killed, its scratch file removed. */
  private killDiscarded(): string {
    const pid = this.discardedPid;
    if (pid === null) return '';
    this.discardedPid = null;
    const scratch = SCRATCH_DIRECTORIES.map((directory) => `${directory}/${SHELL_SCRATCH_FILE}${pid}`).join(' ');
    return `kill -s KILL -- -${pid} 2>/dev/null; rm -f ${scratch}\n`;
  }
}

function shorten(printed: string): string {
  const text = printed.replace(/\r/g, '').trim();
  return text.length <= PRINTED_LIMIT ? text : text.slice(0, PRINTED_LIMIT) + '…';
}
