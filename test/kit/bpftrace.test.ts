import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPhpSample } from '../support/php';

/**
 * bpf/trace.sh, the bpftrace one-liners of bpf/README.md, attached to php-sample served by `php -S`:
 * exact counts, and the step recorded only when bpftrace ran to its end. STAND-INS: `systemctl` (systemd
 * is not init here: it names the sample's process as `systemctl show -p MainPID` would) and, for the
 * failures, a `bpftrace` that exits as told.
 */
const REPO = path.resolve(__dirname, '../..');
const TRACE = path.join(REPO, 'bpf/trace.sh');
const canTrace = process.getuid?.() === 0 && fs.existsSync('/usr/bin/bpftrace');

function script(file: string, body: string): string {
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A state root with the recorded PHP binary, and a systemctl that names `pid` as php-sample's main process. */
function traceMachine(pid: number): { root: string; marker: string; env: Record<string, string>; fakes: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-trace-root-'));
  const fakes = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-trace-fakes-'));
  fs.mkdirSync(path.join(root, 'var/lib/php-ebpf'), { recursive: true });
  fs.writeFileSync(path.join(root, 'var/lib/php-ebpf/php-binary'), '/usr/bin/php8.2\n');
  const systemctl = script(path.join(fakes, 'systemctl'), `[ "$*" = "show -p MainPID --value php-sample" ] && echo ${pid}`);
  return {
    root,
    fakes,
    marker: path.join(root, 'var/lib/php-ebpf/bpftrace.done'),
    env: { ...(process.env as Record<string, string>), KIT_ROOT: root, SYSTEMCTL: systemctl },
  };
}

describe.skipIf(!canTrace)('bpftrace one-liners through bpf/trace.sh (need root)', () => {
  let php: ChildProcess;
  let port: number;

  beforeAll(async () => {
    const started = await startPhpSample({ dtrace: true });
    php = started.process;
    port = started.port;
  });

  afterAll(() => php?.kill());

  it('trace.sh calls: 3 × fib(10) prints @calls[fib]: 531 at Ctrl-C, and records the step', async () => {
    const vm = traceMachine(php.pid!);
    // Its own process group, as a terminal's foreground job: Ctrl-C signals the script and bpftrace together.
    const trace = spawn('sh', [TRACE, 'calls'], { env: vm.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    trace.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    trace.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => trace.once('exit', resolve));
    // The one-liner of bpf/README.md, as trace.sh prints and runs it.
    await waitFor(() => output.includes('\n'), 'trace.sh to print its one-liner');
    expect(output.split('\n')[0]).toBe(`bpftrace -p ${php.pid} -e 'usdt:/usr/bin/php8.2:php:function__entry { @calls[str(arg0)] = count(); }'`);
    // bpftrace prints "Attaching 1 probe..." before it attaches; the kernel's list of perf events says when it has.
    await waitFor(() => bpftraceChildOf(trace.pid!) !== null && uprobeAttachedBy(bpftraceChildOf(trace.pid!)!), 'bpftrace to attach its uprobe');
    expect(fs.existsSync(vm.marker)).toBe(false);
    for (let i = 0; i < 3; i++) expect((await fetch(`http://127.0.0.1:${port}/fib?n=10`)).status).toBe(200);
    process.kill(-trace.pid!, 'SIGINT');
    expect(await exited, output).toBe(0);
    expect(output).toMatch(/^@calls\[fib\]: 531$/m);
    expect(output).toMatch(/^@calls\[json\]: 3$/m);
    expect(fs.readFileSync(vm.marker, 'utf8')).toMatch(/^calls \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
  }, 180_000);
});

describe('trace.sh records the step only when bpftrace ran to its end (a stand-in bpftrace)', () => {
  const withBpftrace = (body: string) => {
    const vm = traceMachine(4242);
    script(path.join(vm.fakes, 'bpftrace'), body);
    return { ...vm, env: { ...vm.env, PATH: `${vm.fakes}:${process.env.PATH}` } };
  };

  it('a bpftrace that fails (no such probe, no permission) records nothing and passes its status on', () => {
    const vm = withBpftrace('echo "ERROR: Could not resolve symbol" >&2; exit 1');
    const result = spawnSync('sh', [TRACE, 'calls'], { env: vm.env, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('trace.sh: bpftrace did not run to the end (exit status 1): nothing recorded.');
    expect(fs.existsSync(vm.marker)).toBe(false);
  });

  it('a bpftrace that ends normally records the step; with seconds, the time running out is a normal end', () => {
    const ended = withBpftrace('exit 0');
    expect(spawnSync('sh', [TRACE, 'requests'], { env: ended.env }).status).toBe(0);
    expect(fs.readFileSync(ended.marker, 'utf8')).toMatch(/^requests \d{4}-/);

    // As bpftrace does on INT: print the maps, exit 0. timeout sends INT when the seconds are up.
    const timed = withBpftrace('trap \'echo "@thrown[LogicException]: 2"; exit 0\' INT; while :; do sleep 0.1; done');
    const result = spawnSync('sh', [TRACE, 'exceptions', '1'], { env: timed.env, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('@thrown[LogicException]: 2');
    expect(fs.readFileSync(timed.marker, 'utf8')).toMatch(/^exceptions \d{4}-/);
  });
});

describe('trace.sh follows the SAPI setup.sh recorded (a stand-in bpftrace that prints how it was called)', () => {
  const traced = (binary: string, service: string | null, mainPid: number) => {
    const vm = traceMachine(0);
    const state = path.join(vm.root, 'var/lib/php-ebpf');
    fs.writeFileSync(path.join(state, 'php-binary'), `${binary}\n`);
    if (service) fs.writeFileSync(path.join(state, 'php-service'), `${service}\n`);
    script(
      path.join(vm.fakes, 'systemctl'),
      `[ "$*" = "show -p MainPID --value ${(service ?? 'php-sample.service').replace(/\.service$/, '')}" ] && echo ${mainPid}`,
    );
    script(path.join(vm.fakes, 'bpftrace'), 'printf "ran:"; printf " [%s]" "$@"; echo');
    const result = spawnSync('sh', [TRACE, 'calls'], { env: { ...vm.env, PATH: `${vm.fakes}:${process.env.PATH}` }, encoding: 'utf8' });
    return { ...result, marker: vm.marker };
  };

  it('fpm and apache: the binary of the SAPI in every process running it (workers come and go), not one pid', () => {
    for (const [binary, service] of [
      ['/usr/sbin/php-fpm8.2', 'php8.2-fpm.service'],
      ['/usr/lib/apache2/modules/libphp8.2.so', 'apache2.service'],
    ]) {
      const result = traced(binary, service, 777);
      expect(result.status, result.stderr).toBe(0);
      const program = `usdt:${binary}:php:function__entry { @calls[str(arg0)] = count(); }`;
      expect(result.stdout.split('\n')[0]).toBe(`bpftrace -e '${program}'`);
      expect(result.stdout).toContain(`ran: [-e] [${program}]`);
      expect(fs.existsSync(result.marker)).toBe(true);
    }
  });

  it('cli (and a state from before --sapi, without php-service): the php -S process by its pid', () => {
    for (const service of ['php-sample.service', null]) {
      const result = traced('/usr/bin/php8.2', service, 4242);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('ran: [-p] [4242] [-e] [usdt:/usr/bin/php8.2:php:function__entry');
    }
  });

  it("the SAPI's service not running: says which, and runs nothing", () => {
    const result = traced('/usr/sbin/php-fpm8.2', 'php8.2-fpm.service', 0);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('trace.sh: php8.2-fpm is not running: sudo systemctl start php8.2-fpm');
    expect(result.stdout).not.toContain('ran:');
  });
});

function bpftraceChildOf(pid: number): number | null {
  const child = spawnSync('pgrep', ['-P', String(pid), '-x', 'bpftrace'], { encoding: 'utf8' }).stdout.trim();
  return child ? Number(child.split('\n')[0]) : null;
}

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
