import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './navigator';

/** The built server (dist/) as its own process, so a test can kill it like a crash would. */
export class ServerProcess {
  private child: ChildProcess | null = null;
  private joinCode: string | null = null;
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  /** The server's resident memory now, in MB (from /proc). */
  rssMb(): number {
    const status = fs.readFileSync(`/proc/${this.child?.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
  }

  /** The server's CPU time so far (user and system), in ms (from /proc; the kernel counts in 10 ms ticks). */
  cpuMs(): number {
    const stat = fs.readFileSync(`/proc/${this.child?.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  }

  /** Where the server listens: NAVIGATOR_HOST when a test gives one address (a container's veth), else loopback. */
  get url(): string {
    const host = this.env.NAVIGATOR_HOST && !['0.0.0.0', '::'].includes(this.env.NAVIGATOR_HOST) ? this.env.NAVIGATOR_HOST : '127.0.0.1';
    return `http://${host}:${this.env.NAVIGATOR_PORT}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/server/main.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, NAVIGATOR_HOST: '127.0.0.1', NAVIGATOR_LOG_LEVEL: 'warn', NAVIGATOR_TRUST_PROXY: 'loopback', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    this.child = child;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${this.output}`);
      const healthy = await fetch(`${this.url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) {
        const token = fs.readFileSync(path.join(this.env.NAVIGATOR_DATA_DIR, 'navigator.secret'), 'utf8').trim();
        const join = await fetch(`${this.url}/api/workshop/join`, { headers: { authorization: `Bearer ${token}` } });
        this.joinCode = ((await join.json()) as { joinCode: string }).joinCode;
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the server did not become healthy:\n${this.output}`);
  }

  /** Sends a signal to the server (SIGSTOP and SIGCONT: the server paused, as under a load average of 45). */
  signal(signal: NodeJS.Signals): void {
    if (!this.child?.pid) throw new Error('the server is not running');
    process.kill(this.child.pid, signal);
  }

  /** SIGKILL: no shutdown hooks, no flush; exactly what a crash or an OOM kill does. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  /** The navigator's token from the data directory (the server never logs it) and the join path, asked with it. */
  links(): { navigatorToken: string; joinPath: string } {
    if (!this.joinCode) throw new Error('start the server first');
    const navigatorToken = fs.readFileSync(path.join(this.env.NAVIGATOR_DATA_DIR, 'navigator.secret'), 'utf8').trim();
    return { navigatorToken, joinPath: `/api/join/${this.joinCode}` };
  }
}
