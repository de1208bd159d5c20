import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/sshd';

/**
 * `--sapi apache` served for real: Debian's Apache (apache2-bin) with mod_php (libapache2-mod-php8.2) under
 * mpm_prefork, started with USE_ZEND_DTRACE=1 as apache2.service's drop-in gives it, with the kit's own site file
 * (bpf/apache/php-sample.conf; only its port, 8000, and the sample's directory changed for this machine), and
 * bpf/trace.sh run as an attendee would after `setup.sh --sapi apache` (the state it records: php-binary, php-service).
 * STAND-IN: `systemctl`, which names Apache's parent as apache2.service's main process (systemd is not init here).
 * The e2e with a real systemd runs --sapi cli and fpm; this is the apache SAPI's real serving and tracing.
 */
const REPO = path.resolve(__dirname, '../..');
const MOD_PHP = '/usr/lib/apache2/modules/libphp8.2.so';
const canRun = process.getuid?.() === 0 && fs.existsSync('/usr/bin/bpftrace') && fs.existsSync('/usr/sbin/apache2') && fs.existsSync(MOD_PHP);

/** Polls `condition` (hooks cannot use expect.poll) until it holds, or fails after 30 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!canRun)('the sample under Apache with mod_php, traced by trace.sh (needs root, bpftrace, apache2-bin, libapache2-mod-php8.2)', () => {
  let dir: string;
  let port: number;
  let apache: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-mod-php-'));
    fs.chmodSync(dir, 0o755); // Apache's workers run as nobody
    fs.cpSync(path.join(REPO, 'php-sample'), path.join(dir, 'php-sample'), { recursive: true });
    port = await freePort();
    fs.writeFileSync(
      path.join(dir, 'site.conf'),
      fs
        .readFileSync(path.join(REPO, 'bpf/apache/php-sample.conf'), 'utf8')
        .replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`)
        .replaceAll('/opt/php-ebpf/php-sample', path.join(dir, 'php-sample')),
    );
    // What Debian's apache2.conf, mods-enabled (mpm_prefork, php8.2, alias, authz_core) and php8.2.conf give.
    fs.writeFileSync(
      path.join(dir, 'httpd.conf'),
      [
        'ServerRoot /usr/lib/apache2',
        `DefaultRuntimeDir ${dir}`,
        `PidFile ${dir}/apache.pid`,
        `ErrorLog ${dir}/error.log`,
        'User nobody',
        'Group nogroup',
        'LoadModule mpm_prefork_module modules/mod_mpm_prefork.so',
        'LoadModule authz_core_module modules/mod_authz_core.so',
        'LoadModule alias_module modules/mod_alias.so',
        `LoadModule php_module ${MOD_PHP}`,
        '<FilesMatch ".+\\.php$">',
        '    SetHandler application/x-httpd-php',
        '</FilesMatch>',
        `Include ${dir}/site.conf`,
      ].join('\n'),
    );
    const started = spawnSync('/usr/sbin/apache2', ['-f', path.join(dir, 'httpd.conf'), '-k', 'start'], {
      encoding: 'utf8',
      env: { ...process.env, USE_ZEND_DTRACE: '1' },
    });
    expect(started.status, started.stderr).toBe(0);
    await until(() => fs.existsSync(path.join(dir, 'apache.pid')), 'Apache to write its pid file');
    apache = Number(fs.readFileSync(path.join(dir, 'apache.pid'), 'utf8').trim());
    let answered = false;
    await until(() => {
      void fetch(`http://127.0.0.1:${port}/`).then(
        (r) => (answered = r.status === 200),
        () => {},
      );
      return answered;
    }, 'the sample to answer under Apache');
  }, 60_000);

  afterAll(() => {
    if (dir) spawnSync('/usr/sbin/apache2', ['-f', path.join(dir, 'httpd.conf'), '-k', 'stop']);
  });

  /** trace.sh as after `setup.sh --sapi apache`; the requests sent once bpftrace has attached; its output at Ctrl-C. */
  async function traced(what: 'calls' | 'requests', routes: string[]): Promise<string> {
    const root = fs.mkdtempSync(path.join(dir, 'root-'));
    fs.mkdirSync(path.join(root, 'var/lib/php-ebpf'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var/lib/php-ebpf/php-binary'), `${MOD_PHP}\n`);
    fs.writeFileSync(path.join(root, 'var/lib/php-ebpf/php-service'), 'apache2.service\n');
    const systemctl = path.join(root, 'systemctl');
    fs.writeFileSync(systemctl, `#!/bin/sh\n[ "$*" = "show -p MainPID --value apache2" ] && echo ${apache}\n`, { mode: 0o755 });
    const trace = spawn('sh', [path.join(REPO, 'bpf/trace.sh'), what], {
      env: { ...process.env, KIT_ROOT: root, SYSTEMCTL: systemctl },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    trace.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    trace.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => trace.once('exit', resolve));
    // bpftrace compiles first (seconds idle, a minute busy); the kernel's perf events say when its uprobes are in.
    await expect
      .poll(
        () => {
          const bpftrace = spawnSync('pgrep', ['-P', String(trace.pid), '-x', 'bpftrace'], { encoding: 'utf8' }).stdout.trim();
          const listing = spawnSync('bpftool', ['perf', 'list'], { encoding: 'utf8' }).stdout ?? '';
          return bpftrace !== '' && listing.split('\n').some((line) => line.startsWith(`pid ${bpftrace.split('\n')[0]} `) && line.includes('uprobe'));
        },
        { timeout: 150_000, interval: 100 },
      )
      .toBe(true);
    for (const route of routes) await fetch(`http://127.0.0.1:${port}${route}`);
    process.kill(-trace.pid!, 'SIGINT');
    expect(await exited, output).toBe(0);
    return output;
  }

  it('trace.sh calls: every prefork worker counted, on mod_php’s library, without -p (3 × fib(10): 531 calls)', async () => {
    const output = await traced('calls', ['/fib?n=10', '/fib?n=10', '/fib?n=10']);
    expect(output.split('\n')[0]).toBe(`bpftrace -e 'usdt:${MOD_PHP}:php:function__entry { @calls[str(arg0)] = count(); }'`);
    expect(output).toMatch(/^@calls\[fib\]: 531$/m);
    expect(output).toMatch(/^@calls\[json\]: 3$/m);
  }, 180_000);

  it('trace.sh requests: the URL of each request, not /index.php (the site aliases every URL to it)', async () => {
    const output = await traced('requests', ['/', '/fib?n=3', '/order?id=7', '/order?id=42']);
    expect(output).toMatch(/^@requests\[\/\]: 1$/m);
    expect(output).toMatch(/^@requests\[\/fib\]: 1$/m);
    expect(output).toMatch(/^@requests\[\/order\]: 2$/m);
    expect(output).not.toContain('index.php]');
  }, 180_000);
});
