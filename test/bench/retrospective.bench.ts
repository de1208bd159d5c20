/**
 * Retrospective benchmark: a generated run of the default workshop (checks/ebpf-php.yaml, 20 checks) with
 * 300 attendees over 3 hours, served by the built server (dist/). Measures the server time to compute the
 * retrospective (cold, each in a fresh server process) and the HTML export, and the time until Chromium
 * shows the page with every chart drawn. Prints a table; writes bench-results/retrospective.json.
 *
 *   BENCH_RETRO_ATTENDEES=300 BENCH_RETRO_HOURS=3 npm run bench
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../support/browser';
import { writeGeneratedRun } from '../support/run-history';
import { ServerProcess } from '../support/server-process';
import { freePort } from '../support/sshd';

const REPO_ROOT = path.resolve(__dirname, '../..');
const ATTENDEES = Number(process.env.BENCH_RETRO_ATTENDEES ?? 300);
const HOURS = Number(process.env.BENCH_RETRO_HOURS ?? 3);
const ROUNDS = Number(process.env.BENCH_RETRO_ROUNDS ?? 3);
const WORKSHOP = path.join(REPO_ROOT, 'checks/ebpf-php.yaml');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const max = (values: number[]) => Math.max(...values);

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist/web/export/retrospective.js'))) throw new Error('build first: npm run build');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-retro-bench-'));
  const generated = writeGeneratedRun(dataDir, WORKSHOP, { attendees: ATTENDEES, hours: HOURS });
  console.log(`generated: ${generated.attendees} attendees, ${generated.transitions} transitions over ${HOURS} h`);
  const env = { NAVIGATOR_PORT: String(await freePort()), NAVIGATOR_DATA_DIR: dataDir, NAVIGATOR_WORKSHOP_FILE: WORKSHOP };
  const server = new ServerProcess(env);
  const cold: number[] = [];
  const warm: number[] = [];
  const html: number[] = [];
  const page: number[] = [];
  const pageCold: number[] = [];
  let bytes = 0;
  let htmlBytes = 0;
  const browser = await launchChromium();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await server.start();
      const { navigatorToken } = server.links();
      const headers = { cookie: `navigator_navigator=${navigatorToken}` };
      const url = `${server.url}/api/runs/${generated.runId}/retrospective`;
      // Cold: this server process has never computed it. Then warm (an archived run's figures are kept).
      let started = performance.now();
      const response = await fetch(url, { headers });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`retrospective: ${response.status} ${body.slice(0, 200)}`);
      cold.push(performance.now() - started);
      bytes = body.length;
      started = performance.now();
      await (await fetch(url, { headers })).text();
      warm.push(performance.now() - started);
      started = performance.now();
      const file = await (await fetch(`${server.url}/api/runs/${generated.runId}/retrospective.html`, { headers })).text();
      html.push(performance.now() - started);
      htmlBytes = file.length;

      // The page: navigation to every chart drawn, in a fresh context each time. The first after a restart is cold.
      for (const [i, target] of [pageCold, page, page].entries()) {
        if (i === 0) {
          await server.kill();
          await server.start();
        }
        const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
        await context.addCookies([{ name: 'navigator_navigator', value: server.links().navigatorToken, url: server.url }]);
        const tab = await context.newPage();
        started = performance.now();
        await tab.goto(`${server.url}/runs/${generated.runId}`);
        await tab.waitForFunction(() => {
          const charts = document.querySelectorAll('[data-chart]');
          return charts.length > 0 && Array.from(charts).every((c) => (c as HTMLElement).dataset.drawn === 'true');
        });
        target.push(performance.now() - started);
        await context.close();
      }
      await server.kill();
    }
  } finally {
    await browser.close();
    await server.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const result = {
    loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
    attendees: ATTENDEES,
    hours: HOURS,
    transitions: generated.transitions,
    rounds: ROUNDS,
    retrospectiveJsonBytes: bytes,
    htmlExportBytes: htmlBytes,
    serverColdMs: { median: median(cold), max: max(cold), all: cold },
    serverWarmMs: { median: median(warm), max: max(warm) },
    htmlExportMs: { median: median(html), max: max(html) },
    pageColdMs: { median: median(pageCold), max: max(pageCold), all: pageCold },
    pageWarmMs: { median: median(page), max: max(page), all: page },
  };
  const f = (ms: number) => `${Math.round(ms)} ms`;
  console.log(
    `\nretrospective of ${ATTENDEES} attendees × ${HOURS} h (${generated.transitions} transitions), ${ROUNDS} rounds, load average ${result.loadAverage.join(' ')}:`,
  );
  console.log(`| | median | max |\n| --- | --- | --- |`);
  console.log(`| server, cold (fresh process): GET retrospective | ${f(result.serverColdMs.median)} | ${f(result.serverColdMs.max)} |`);
  console.log(`| server, warm (archived run's figures kept) | ${f(result.serverWarmMs.median)} | ${f(result.serverWarmMs.max)} |`);
  console.log(`| server: HTML export (${Math.round(htmlBytes / 1024)} kB) | ${f(result.htmlExportMs.median)} | ${f(result.htmlExportMs.max)} |`);
  console.log(`| Chromium: page with every chart drawn, server cold | ${f(result.pageColdMs.median)} | ${f(result.pageColdMs.max)} |`);
  console.log(`| Chromium: page with every chart drawn, server warm | ${f(result.pageWarmMs.median)} | ${f(result.pageWarmMs.max)} |`);
  fs.mkdirSync(path.join(REPO_ROOT, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(REPO_ROOT, 'bench-results/retrospective.json'), JSON.stringify(result, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
