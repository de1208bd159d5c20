import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PHP, startPhpSample } from '../support/php';
import { pinnedLibbpf } from './pinned-libbpf';

/**
 * The kit's BPF objects, built by bpf/Makefile for Debian's php8.2 against libbpf's BPF headers at the
 * version bpf/kit.lock pins (as setup.sh installs them: not this machine's libbpf-dev), loaded and attached by section
 * name as ebpf_exporter does, to php-sample served by php8.2 with USE_ZEND_DTRACE=1. Known requests
 * must give exact counts, read from the maps and decoded with the kit's own configs (label sizes,
 * string/uint/static_map decoders), the way ebpf_exporter turns keys into labels.
 */
const REPO = path.resolve(__dirname, '../..');
const canTrace = process.getuid?.() === 0 && fs.existsSync('/sys/kernel/btf/vmlinux');
const libbpf = pinnedLibbpf();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-'));
const loaderBinary = path.join(work, 'usdt-loader');
let php: ChildProcess;
let port: number;

interface MapEntry {
  map: string;
  key: string; // hex, as the map holds it
  value: number;
}
interface ConfigLabel {
  name: string;
  size: number;
  decoders: { name: string; static_map?: Record<number, string> }[];
}

/** Label values of every entry of the config's metrics, decoded from the raw keys as ebpf_exporter does. */
function decode(config: string, entries: MapEntry[]): Map<string, { labels: Record<string, string>; value: number }[]> {
  const yaml = parse(fs.readFileSync(path.join(REPO, 'bpf', config), 'utf8')) as {
    metrics: { counters?: { name: string; labels: ConfigLabel[] }[]; histograms?: { name: string; labels: ConfigLabel[] }[] };
  };
  const metrics = new Map<string, { labels: Record<string, string>; value: number }[]>();
  for (const metric of [...(yaml.metrics.counters ?? []), ...(yaml.metrics.histograms ?? [])]) {
    const decoded = entries
      .filter((entry) => entry.map === metric.name)
      .map((entry) => {
        const key = Buffer.from(entry.key, 'hex');
        const labels: Record<string, string> = {};
        let offset = 0;
        for (const label of metric.labels) {
          const bytes = key.subarray(offset, offset + label.size);
          offset += label.size;
          let value = '';
          for (const decoder of label.decoders) {
            if (decoder.name === 'string') value = bytes.toString('utf8').replace(/\0.*$/s, '');
            else if (decoder.name === 'uint') value = String(bytes.readUIntLE(0, Math.min(label.size, 6)));
            else if (decoder.name === 'static_map') value = decoder.static_map?.[Number(value)] ?? 'unknown';
            else throw new Error(`${config}: decoder ${decoder.name} is not one this test knows`);
          }
          labels[label.name] = value;
        }
        expect(offset, `${config}: ${metric.name} label sizes`).toBe(key.length);
        return { labels, value: entry.value };
      });
    metrics.set(metric.name, decoded);
  }
  return metrics;
}

function startLoader(object: string): Promise<{ stop: () => Promise<MapEntry[]> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(loaderBinary, [path.join(REPO, 'bpf', object)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
                    .map((line) => JSON.parse(line) as MapEntry),
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

describe.skipIf(!canTrace || !libbpf.include)(
  `the BPF kit, attached for real (needs root, kernel BTF and the pinned libbpf)${libbpf.skip ? `: ${libbpf.skip}` : ''}`,
  () => {
    beforeAll(async () => {
      const started = performance.now();
      execFileSync('make', ['-C', path.join(REPO, 'bpf'), '-s', 'clean'], { stdio: 'pipe' });
      execFileSync('make', ['-C', path.join(REPO, 'bpf'), '-j2', '-s', `PHP_BINARY=${PHP}`, `LIBBPF_INCLUDE=${libbpf.include}`], { stdio: 'pipe' });
      console.log(`bpf/ build: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      // The loader is this test's own user-space tool, linked with this machine's libbpf; the objects are the kit's.
      execFileSync('gcc', ['-O2', '-Wall', '-o', loaderBinary, path.join(__dirname, 'usdt-loader.c'), '-lbpf']);
      // As the kit's php-sample.service runs it: without opcache, so every request compiles its files.
      const sample = await startPhpSample({ dtrace: true, opcache: false });
      php = sample.process;
      port = sample.port;
    }, 120_000);

    afterAll(() => {
      php?.kill();
    });

    const sum = (entries: { labels: Record<string, string>; value: number }[] | undefined, where: Record<string, string>) =>
      (entries ?? []).filter((e) => Object.entries(where).every(([k, v]) => e.labels[k] === v)).reduce((total, e) => total + e.value, 0);

    it('counts calls by class and function, and exceptions thrown and caught by class, exactly', async () => {
      const loader = await startLoader('php_calls.bpf.o');
      for (let i = 0; i < 7; i++) expect(await get('/fib?n=10')).toBe(200);
      for (let i = 0; i < 3; i++) expect(await get('/order?id=7')).toBe(404);
      expect(await get('/order?id=42')).toBe(200);
      for (let i = 0; i < 2; i++) expect(await get('/crash')).toBe(500);
      const metrics = decode('php_calls.yaml', await loader.stop());
      const calls = metrics.get('php_function_calls_total');
      expect(sum(calls, { class: 'Sample\\Maths', function: 'fib' })).toBe(7 * 177);
      expect(sum(calls, { class: 'Sample\\OrderRepository', function: 'find' })).toBe(4);
      expect(sum(calls, { class: 'Sample\\Http', function: 'json' })).toBe(7 + 3 + 1);
      expect(sum(metrics.get('php_exceptions_thrown_total'), { class: 'Sample\\OrderNotFound' })).toBe(3);
      expect(sum(metrics.get('php_exceptions_thrown_total'), { class: 'LogicException' })).toBe(2);
      // Only the caught ones: the uncaught LogicException never reaches a catch.
      expect(metrics.get('php_exceptions_caught_total')?.map((e) => [e.labels.class, e.value])).toEqual([['Sample\\OrderNotFound', 3]]);
    });

    it('counts requests by method and route, each in one latency bucket; per-request state is deleted', async () => {
      const loader = await startLoader('php_requests.bpf.o');
      for (let i = 0; i < 5; i++) await get('/');
      for (let i = 0; i < 2; i++) await get('/slow');
      for (let i = 0; i < 3; i++) await get(`/order?id=${1000 + i}`);
      await fetch(`http://127.0.0.1:${port}/order?id=1`, { method: 'POST' });
      const entries = await loader.stop();
      const metrics = decode('php_requests.yaml', entries);
      const requests = metrics.get('php_requests_total')!;
      // Query strings never become labels: three different ids are one route.
      expect(requests.map((e) => `${e.labels.method} ${e.labels.route} ${e.value}`).sort()).toEqual([
        'GET / 5',
        'GET /order 3',
        'GET /slow 2',
        'POST /order 1',
      ]);
      const buckets = metrics.get('php_request_duration_seconds')!;
      expect(buckets.reduce((total, b) => total + b.value, 0)).toBe(11);
      // The two /slow requests sleep 200 ms: bucket 18 (2^18 µs ≈ 262 ms) holds them.
      expect(sum(buckets, { route: '/slow', bucket: '18' })).toBe(2);
      expect(entries.filter((e) => e.map === 'request_start')).toEqual([]);
    });

    it('counts compiled files, and warnings by file and level (the uprobe on zend_error_zstr_at)', async () => {
      const loader = await startLoader('php_files.bpf.o');
      for (let i = 0; i < 4; i++) expect(await get('/warning')).toBe(200);
      expect(await get('/')).toBe(200);
      expect(await get('/fib?n=3')).toBe(200);
      const metrics = decode('php_files.yaml', await loader.stop());
      const index = path.join(REPO, 'php-sample/public/index.php');
      expect(metrics.get('php_errors_total')?.map((e) => [e.labels.file, e.labels.level, e.value])).toEqual([[index, 'warning', 4]]);
      // opcache is off (as in the unit): every request compiles the front controller and the three classes.
      const compiled = metrics.get('php_files_compiled_total')!;
      expect(sum(compiled, { file: index })).toBe(6);
      // Included files are named as require named them.
      expect(sum(compiled, { file: `${REPO}/php-sample/public/../src/Maths.php` })).toBe(6);
    });
  },
);
