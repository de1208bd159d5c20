import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { registerAttendees } from '../support/clients';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { writeGeneratedRun, type GeneratedRun } from '../support/run-history';

/**
 * The retrospective in a real Chromium: a generated first run of the default workshop (60 attendees, 2.5 hours),
 * its page on a large screen and on a phone, the HTML export opened from disk with the network off, two runs
 * compared, the share link, and a new run started from the board.
 */
let navigator: TestNavigator;
let browser: Browser;
let generated: GeneratedRun;
const WORKSHOP = path.join(REPO_ROOT, 'checks/ebpf-php.yaml');

async function signedIn(viewport: { width: number; height: number }, options: { isMobile?: boolean; deviceScaleFactor?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport, ...options });
  await context.addCookies([{ name: 'navigator_navigator', value: navigator.navigatorToken, url: navigator.url }]);
  return context.newPage();
}

/** Every chart on the page drawn (a canvas with something on it), and how many there are. */
async function chartsDrawn(page: Page): Promise<number> {
  await page.waitForFunction(() => {
    const charts = Array.from(document.querySelectorAll<HTMLElement>('[data-chart]'));
    return charts.length > 0 && charts.every((chart) => chart.dataset.drawn === 'true');
  });
  return page.evaluate(() => {
    const charts = Array.from(document.querySelectorAll<HTMLElement>('[data-chart]'));
    const painted = charts.filter((chart) => {
      const canvas = chart.querySelector('canvas');
      if (!canvas || canvas.width === 0) return false;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < pixels.length; i += 4 * 7) if (pixels[i] !== 0) return true;
      return false;
    });
    return painted.length === charts.length ? charts.length : -charts.length;
  });
}

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-retro-browser-'));
  generated = writeGeneratedRun(dataDir, WORKSHOP, { attendees: 60, hours: 2.5, seed: 11 });
  navigator = await startTestNavigator({ NAVIGATOR_WORKSHOP_FILE: WORKSHOP, NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' }, dataDir);
  await registerAttendees(navigator.request, navigator.joinUrl, ['Ada', 'Grace', 'Linus']);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

describe('the retrospective page', () => {
  it('lists the runs with date, workshop version and attendance', async () => {
    const page = await signedIn({ width: 1920, height: 1080 });
    await page.goto(`${navigator.url}/runs`);
    const rows = page.getByTestId('runs').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toMatch(/1.*v1.*60/);
    await page.screenshot({ path: screenshotPath('runs'), fullPage: true });
    await page.context().close();
  });

  it('shows every statistic on a large screen, each chart with a table under it', async () => {
    const page = await signedIn({ width: 1920, height: 1080 });
    await page.goto(`${navigator.url}/runs/${generated.runId}`);
    const charts = await chartsDrawn(page);
    // Steps, funnel, one histogram per step (7), stuck checks, unreachable, hands, the room, presentations.
    expect(charts).toBe(14);
    const fix = page.getByTestId('fix-first');
    expect(await fix.locator('.verdict strong').textContent()).toBe('Build the BPF programs');
    for (const section of ['stuck-checks', 'unreachable', 'hands', 'room', 'discussion'])
      expect(await page.getByTestId(section).locator('table').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('stuck-checks').locator('tbody tr').count()).toBeGreaterThan(3);
    expect(await page.getByTestId('attendance').textContent()).toContain('60');
    // Who went to the hands: each answerer of the generated run, with how many hands.
    const answerers = page.getByTestId('answerers').locator('tbody tr');
    await expect.poll(() => answerers.count()).toBeGreaterThan(1);
    expect(await answerers.allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Sam\d/)]));
    await page.screenshot({ path: screenshotPath('retrospective-1920'), fullPage: true });
    await page.getByTestId('hands').screenshot({ path: screenshotPath('retrospective-hands-1920') });
    await page.context().close();
  });

  it('fits a phone: every chart drawn, nothing wider than the screen', async () => {
    const page = await signedIn({ width: 390, height: 844 }, { isMobile: true, deviceScaleFactor: 2 });
    await page.goto(`${navigator.url}/runs/${generated.runId}`);
    expect(await chartsDrawn(page)).toBe(14);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.screenshot({ path: screenshotPath('retrospective-phone'), fullPage: true });
    await page.getByTestId('hands').screenshot({ path: screenshotPath('retrospective-hands-phone') });
    await page.context().close();
  });
});

describe('the HTML export', () => {
  it('opened from disk with the network off, renders every chart and asks for nothing', async () => {
    const page = await signedIn({ width: 1920, height: 1080 });
    await page.goto(`${navigator.url}/runs/${generated.runId}`);
    await chartsDrawn(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html').click()]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-export-')), download.suggestedFilename());
    await download.saveAs(file);
    await page.context().close();
    expect(path.basename(file)).toBe(`retrospective-${generated.runId}.html`);

    const offline = await browser.newContext({ viewport: { width: 1440, height: 900 }, offline: true });
    const requests: string[] = [];
    offline.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    const opened = await offline.newPage();
    const errors: string[] = [];
    opened.on('pageerror', (error) => errors.push(error.message));
    await opened.goto(`file://${file}`);
    expect(await chartsDrawn(opened)).toBe(14);
    expect(await opened.getByTestId('fix-first').locator('.verdict strong').textContent()).toBe('Build the BPF programs');
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await opened.screenshot({ path: screenshotPath('retrospective-export-offline'), fullPage: false });
    await opened.emulateMedia({ media: 'print' });
    const pdf = await opened.pdf({ format: 'A4' });
    expect(pdf.length).toBeGreaterThan(50_000);
    await offline.close();
  });
});

describe('sharing, comparing and the next run', () => {
  it('a share link opens the retrospective read-only, without signing in', async () => {
    const page = await signedIn({ width: 1440, height: 900 });
    await page.goto(`${navigator.url}/runs/${generated.runId}`);
    await chartsDrawn(page);
    await page.getByRole('button', { name: 'Share read-only link' }).click();
    const shareUrl = ((await page.locator('pre[aria-label="share link"]').textContent()) ?? '').trim();
    await page.context().close();
    expect(shareUrl).toMatch(/\/shared\/retro\/[\w-]+$/);
    const stranger = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await stranger.goto(shareUrl);
    expect(await chartsDrawn(stranger)).toBe(14);
    expect(await stranger.getByRole('button', { name: /Share/ }).count()).toBe(0);
    await stranger.context().close();
  });

  it('a new run from the board archives this one; the board draws the room over time live', async () => {
    const board = await signedIn({ width: 1920, height: 1080 });
    await board.goto(`${navigator.url}/board`);
    await board.getByRole('button', { name: 'Start workshop' }).click();
    await board.getByTestId('room-live').waitFor();
    expect(await chartsDrawn(board)).toBe(1);
    await board.getByText('As a table').click();
    const table = board.getByTestId('room-live-table');
    expect(await table.locator('tbody tr').first().locator('td').first().textContent()).toBe('Install the packages');
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(2);
    await board.screenshot({ path: screenshotPath('board-room-live'), fullPage: false });
    await board.getByRole('button', { name: 'New run…' }).click();
    await board.getByTestId('new-run-dialog').getByRole('button', { name: 'Archive and start run' }).click();
    await expect.poll(() => board.getByTestId('roster-count').textContent()).toContain('0 registered');
    const runs = await signedIn({ width: 1440, height: 900 });
    await runs.goto(`${navigator.url}/runs`);
    await expect.poll(() => runs.getByTestId('runs').locator('tbody tr').count()).toBe(3);
    expect(await runs.getByTestId('runs').locator('tbody tr').first().textContent()).toContain('active');
    await runs.getByLabel('First run').selectOption({ label: 'Run 1' });
    await runs.getByLabel('Second run').selectOption({ label: 'Run 2' });
    await runs.getByRole('button', { name: 'Compare' }).click();
    await runs.getByTestId('comparison').locator('table').first().waitFor();
    expect(await chartsDrawn(runs)).toBe(2);
    expect(await runs.getByTestId('comparison').locator('tbody tr').count()).toBeGreaterThan(7);
    await runs.screenshot({ path: screenshotPath('runs-compare'), fullPage: true });
    await board.context().close();
    await runs.context().close();
  });
});
