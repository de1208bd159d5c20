import type { Client, ClientChannel } from 'ssh2';

/** A watch's lines are this long at most (a longer one is cut): the VM prints only a short marker. */
const LINE_LIMIT = 1024;

/**
 * A second `sh -s` on the VM that runs one script, a loop reading one line per tick from Navigator
 * and printing a line only when what it watches changed (issue 21: a change is seen within a tick,
 * without a sweep and without a process on the VM). A tick costs Navigator one small write and
 * nothing back while nothing changes; the shell itself waits in a read, so the VM spends nothing
 * between ticks. Closing the channel ends the loop (its read sees the end of input).
 */
export class WatchShell {
  private channel: ClientChannel | null = null;
  private closed = false;
  private pending = '';

  private constructor(private readonly onLine: (line: string) => void) {}

  static open(client: Client, script: string, onLine: (line: string) => void, onEnd: () => void): Promise<WatchShell> {
    const watch = new WatchShell(onLine);
    return new Promise((resolve, reject) => {
      client.exec('exec sh -s', (error, channel) => {
        if (error) return reject(error);
        if (watch.closed) {
          channel.close();
          return reject(new Error('closed while opening'));
        }
        watch.channel = channel;
        channel.on('data', (chunk: Buffer) => watch.read(chunk));
        channel.stderr.resume();
        channel.on('close', () => {
          watch.channel = null;
          onEnd();
        });
        channel.write(script);
        resolve(watch);
      });
    });
  }

  /** One tick: the loop runs once. Skipped while the channel is still writing the last ones (a slow VM). */
  tick(): void {
    const channel = this.channel;
    if (!channel || channel.writableNeedDrain) return;
    channel.write('\n');
  }

  close(): void {
    this.closed = true;
    const channel = this.channel;
    this.channel = null;
    channel?.close();
  }

  private read(chunk: Buffer): void {
    this.pending += chunk.toString('utf8');
    let end = this.pending.indexOf('\n');
    while (end >= 0) {
      this.onLine(this.pending.slice(0, Math.min(end, LINE_LIMIT)));
      this.pending = this.pending.slice(end + 1);
      end = this.pending.indexOf('\n');
    }
    if (this.pending.length > LINE_LIMIT) this.pending = this.pending.slice(-LINE_LIMIT);
  }
}
