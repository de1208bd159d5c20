import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/sshd';

/**
 * The kit's BPF objects, built by bpf/Makefile, loaded and attached for real (root, BTF) to
 * php-sample served by Debian's php8.2 with USE_ZEND_DTRACE=1; known requests must give exact counts.
 */
const REPO = path.resolve(__dirname, '../..');
const PHP = '/usr/bin/php8.2';
const canTrace = process.getuid?.() === 0 && fs.existsSync('/sys/kernel/btf/vmlinux');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-'));
const loaderBinary = path.join(work, 'usdt-loader');
let php: ChildProcess;
let port: number;

function startLoader(object: string): Promise<{ stop: () => Promise<{ map: string; key: string | number; value: number }[]> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(loaderBinary, [path.join(REPO, 'bpf', object), PHP], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => code !== 0 && reject(new Error(`loader for ${object} exited ${code}: ${err}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('attached\n'))
        resolve({
          stop: () =>
            new Promise((done) => {
              child.once('exit', () =>
                done(
                  out
                    .split('\n')
                    .slice(1)
                    .filter(Boolean)
                    .map((line) => JSON.parse(line) as { map: string; key: string | number; value: number }),
                ),
              );
              child.kill('SIGTERM');
            }),
        });
    });
  });
}

async function get(urlPath: string): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}${urlPath}`)).status;
}

describe.skipIf(!canTrace)('the BPF kit, attached for real (needs root and kernel BTF)', () => {
  beforeAll(async () => {
    const started = performance.now();
    execFileSync('make', ['-C', path.join(REPO, 'bpf'), '-s', 'clean'], { stdio: 'pipe' });
    execFileSync('make', ['-C', path.join(REPO, 'bpf'), '-j2', '-s'], { stdio: 'pipe' });
    console.log(`bpf/ build: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    execFileSync('gcc', ['-O2', '-Wall', '-o', loaderBinary, path.join(__dirname, 'usdt-loader.c'), '-lbpf']);
    port = await freePort();
    php = spawn(PHP, ['-S', `127.0.0.1:${port}`, '-t', path.join(REPO, 'php-sample/public')], {
      env: { ...process.env, USE_ZEND_DTRACE: '1' },
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      if (
        await get('/').then(
          () => true,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('php -S did not start');
  }, 120_000);

  afterAll(() => {
    php?.kill();
  });

  it('counts function calls by name and exceptions by class, exactly', async () => {
    const loader = await startLoader('php_calls.bpf.o');
    for (let i = 0; i < 7; i++) expect(await get('/fib?n=10')).toBe(200);
    for (let i = 0; i < 3; i++) expect(await get('/order?id=7')).toBe(404);
    const maps = await loader.stop();
    const value = (map: string, key: string) => maps.find((m) => m.map === map && m.key === key)?.value;
    expect(value('php_function_calls_total', 'fib')).toBe(7 * 177);
    expect(value('php_function_calls_total', 'findOrder')).toBe(3);
    expect(value('php_exceptions_thrown_total', 'OrderNotFound')).toBe(3);
  });

  it('counts requests and puts each one in a latency bucket; per-request state is deleted', async () => {
    const loader = await startLoader('php_requests.bpf.o');
    for (let i = 0; i < 5; i++) await get('/');
    for (let i = 0; i < 2; i++) await get('/slow');
    const maps = await loader.stop();
    expect(maps.find((m) => m.map === 'php_requests_total' && m.key === 'GET')?.value).toBe(7);
    const buckets = maps.filter((m) => m.map === 'php_request_duration_seconds');
    expect(buckets.reduce((sum, b) => sum + b.value, 0)).toBe(7);
    // The two /slow requests sleep 200 ms: bucket 18 (2^18 µs ≈ 262 ms) holds them.
    expect(buckets.find((b) => b.key === 18)?.value).toBe(2);
    expect(maps.filter((m) => m.map === 'request_start')).toEqual([]);
  });
});
