import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPhpSample } from '../support/php';

/** The bpftrace one-liner from bpf/README.md, attached to php-sample served by `php -S`, prints exact counts. */
const canTrace = process.getuid?.() === 0 && fs.existsSync('/usr/bin/bpftrace');
let php: ChildProcess;
let port: number;

describe.skipIf(!canTrace)('bpftrace one-liners (need root)', () => {
  beforeAll(async () => {
    const started = await startPhpSample({ dtrace: true });
    php = started.process;
    port = started.port;
  });

  afterAll(() => php?.kill());

  it('counts function calls by name: 3 × fib(10) prints @calls[fib]: 531', async () => {
    // The README's one-liner as it is; Ctrl-C (SIGINT) makes bpftrace print the map and exit.
    const program = 'usdt:/usr/bin/php8.2:php:function__entry { @calls[str(arg0)] = count(); }';
    const bpftrace = spawn('bpftrace', ['-p', String(php.pid), '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    bpftrace.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => bpftrace.once('exit', resolve));
    // bpftrace prints "Attaching 1 probe..." before it attaches; the kernel's list of perf events says when it has.
    await waitFor(() => uprobeAttachedBy(bpftrace.pid!), 'bpftrace to attach its uprobe');
    for (let i = 0; i < 3; i++) expect((await fetch(`http://127.0.0.1:${port}/fib?n=10`)).status).toBe(200);
    bpftrace.kill('SIGINT');
    await exited;
    expect(output).toMatch(/^@calls\[fib\]: 531$/m);
    expect(output).toMatch(/^@calls\[json\]: 3$/m);
  }, 180_000);
});

function uprobeAttachedBy(pid: number): boolean {
  const listing = spawnSync('bpftool', ['perf', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return listing.split('\n').some((line) => line.startsWith(`pid ${pid} `) && line.includes('uprobe'));
}

/** bpftrace compiles its program with LLVM first: seconds when idle, a minute or more on a busy machine. */
async function waitFor(condition: () => boolean, what: string, safetyMs = 150_000): Promise<void> {
  const deadline = Date.now() + safetyMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
