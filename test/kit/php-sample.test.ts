import { spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPhpSample } from '../support/php';
import { freePort } from '../support/sshd';

/** The PHP sample under Debian's php8.2 (`php -S`), and its load generator against it. */
const SAMPLE = path.resolve(__dirname, '../../php-sample');
let php: ChildProcess;
let url: string;

function load(args: string[]): { status: number; output: string } {
  const run = spawnSync('sh', [path.join(SAMPLE, 'load.sh'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

beforeAll(async () => {
  const started = await startPhpSample();
  php = started.process;
  url = started.url;
});

afterAll(() => php?.kill());

describe('php-sample', () => {
  it('answers each route as its README says', async () => {
    const status = async (route: string) => (await fetch(url + route)).status;
    expect(await (await fetch(url + '/')).json()).toMatchObject({ app: 'PHP sample' });
    expect(await (await fetch(url + '/fib?n=10')).json()).toEqual({ n: 10, fib: 55 });
    expect(await (await fetch(url + '/order?id=42')).json()).toMatchObject({ id: 42 });
    expect(await status('/order?id=7')).toBe(404);
    expect(await status('/crash')).toBe(500);
    expect(await (await fetch(url + '/warning')).json()).toEqual({ theme: 'dark', language: 'en', font: null });
    expect(await status('/nowhere')).toBe(404);
  });

  it('load.sh sends exactly -n requests in its fixed mix and sums them up by status', () => {
    const { status, output } = load(['-u', url, '-n', '20', '-c', '2']);
    expect(status, output).toBe(0);
    expect(output).toMatch(/^load\.sh: 20 requests in \d+s: 200 x16, 404 x2, 500 x2$/m);
  });

  it('load.sh says so when nothing answers, and refuses bad numbers', async () => {
    const nothing = load(['-u', `http://127.0.0.1:${await freePort()}`, '-n', '3']);
    expect(nothing.status).toBe(1);
    expect(nothing.output).toContain('no answer x3');
    expect(nothing.output).toMatch(/nothing answered on http:\/\/127\.0\.0\.1:\d+\. Is the app running\?/);
    const bad = load(['-n', '3; rm -rf /']);
    expect(bad.status).toBe(2);
    expect(bad.output).toContain("take whole numbers, not '3; rm -rf /'");
  });
});
