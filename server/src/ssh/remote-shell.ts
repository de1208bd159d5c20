import type { Client, ClientChannel } from 'ssh2';
import type { ShellRun } from './ssh.types';

/**
 * One `sh -s` kept open on the VM for the life of the connection. Each run writes shell input to it
 * and resolves when the output contains the run's done marker. Compared with one exec per sweep this
 * saves a channel open/close, sshd's fork and the login shell's start-up on the VM, every sweep.
 * Runs are serialised; a run that overruns its deadline discards the shell, and the next run opens
 * a fresh one.
 */
export class RemoteShell {
  private channel: ClientChannel | null = null;
  private opening: Promise<ClientChannel> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private listener: ((chunk: Buffer | null) => void) | null = null;

  constructor(
    private readonly client: Client,
    private readonly maxOutputBytes = 256 * 1024,
  ) {}

  run(input: string, doneMarker: string, timeoutMs: number): Promise<ShellRun> {
    const next = this.queue.then(() => this.runNow(input, doneMarker, timeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.discard();
  }

  private async runNow(input: string, doneMarker: string, timeoutMs: number): Promise<ShellRun> {
    const started = performance.now();
    const channel = await this.open();
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let recent = '';
      let settled = false;
      const settle = (outcome: { timedOut: boolean; closed: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.listener = null;
        if (outcome.timedOut) this.discard();
        resolve({ stdout: Buffer.concat(chunks).toString('utf8'), durationMs: performance.now() - started, ...outcome });
      };
      const timer = setTimeout(() => settle({ timedOut: true, closed: false }), timeoutMs);
      this.listener = (chunk) => {
        if (chunk === null) return settle({ timedOut: false, closed: true });
        if (size < this.maxOutputBytes) {
          chunks.push(chunk);
          size += chunk.length;
        }
        // The marker is short: the last few hundred characters are enough to find it, however the output was split.
        recent = (recent + chunk.toString('latin1')).slice(-(doneMarker.length + 256));
        if (recent.includes(doneMarker) || size >= this.maxOutputBytes) settle({ timedOut: false, closed: false });
      };
      channel.write(input);
    });
  }

  private open(): Promise<ClientChannel> {
    if (this.channel) return Promise.resolve(this.channel);
    this.opening ??= new Promise<ClientChannel>((resolve, reject) => {
      // Whatever the login shell is, `exec sh -s` gives a POSIX shell that reads commands as they arrive.
      this.client.exec('exec sh -s', (error, channel) => {
        this.opening = null;
        if (error) return reject(error);
        this.channel = channel;
        channel.on('data', (chunk: Buffer) => this.listener?.(chunk));
        channel.stderr.resume();
        channel.on('close', () => {
          if (this.channel === channel) this.channel = null;
          this.listener?.(null);
        });
        resolve(channel);
      });
    });
    return this.opening;
  }

  private discard(): void {
    const channel = this.channel;
    this.channel = null;
    if (!channel) return;
    channel.signal('KILL');
    channel.close();
  }
}
