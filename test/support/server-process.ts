import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './navigator';

/** The built server (dist/) as its own process, so a test can kill it like a crash would. */
export class ServerProcess {
  private child: ChildProcess | null = null;
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  /** The server's resident memory now, in MB (from /proc). */
  rssMb(): number {
    const status = fs.readFileSync(`/proc/${this.child?.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
  }

  get url(): string {
    return `http://127.0.0.1:${this.env.NAVIGATOR_PORT}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/server/main.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, NAVIGATOR_HOST: '127.0.0.1', NAVIGATOR_LOG_LEVEL: 'warn', ...this.env },
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
      if (healthy) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the server did not become healthy:\n${this.output}`);
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

  links(): { navigatorToken: string; joinPath: string } {
    const navigator = /auth\/navigator\?token=(\S+)/.exec(this.output);
    const join = /\/join\/([A-Z0-9]+)/.exec(this.output);
    if (!navigator || !join) throw new Error(`no links printed:\n${this.output}`);
    return { navigatorToken: navigator[1], joinPath: `/api/join/${join[1]}` };
  }
}
