/**
 * The navigator's board with 3 and with 300 attendees, on a phone (390 px) and a laptop (1280 px), and a
 * retrospective on a laptop: nothing wider than the screen, nothing cut by its box (text cut with an ellipsis on
 * purpose aside). Full-page screenshots in test-results/screenshots/layout-*.png, for people to look at.
 * Real server, real Chromium; the VMs are closed ports on loopback; the retrospective's run is generated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { importAttendees, registerAttendees } from '../support/clients';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { writeGeneratedRun, type GeneratedRun } from '../support/run-history';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';

const WORKSHOP = path.join(REPO_ROOT, 'checks/ebpf-php.yaml');
const WIDTHS = [
  [390, 844],
  [1280, 800],
] as const;
const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `Attendee ${String(from + i + 1).padStart(3, '0')}`);

let navigator: TestNavigator;
let browser: Browser;
let generated: GeneratedRun;

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-layout-'));
  generated = writeGeneratedRun(dataDir, WORKSHOP, { attendees: 60, hours: 2.5, seed: 11 });
  navigator = await startTestNavigator({ NAVIGATOR_WORKSHOP_FILE: WORKSHOP, NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' }, dataDir);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

async function signedIn(width: number, height: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  await context.addCookies([{ name: 'navigator_navigator', value: navigator.navigatorToken, url: navigator.url }]);
  return context.newPage();
}

/**
 * How far the page is wider than the screen, the outermost elements that reach past its right edge, and the elements
 * whose content their box cuts (ellipses and screen-reader-only text aside). Inside a box that scrolls sideways is fine.
 */
async function layoutProblems(page: Page): Promise<{ overflow: number; wide: string[]; cut: string[] }> {
  return page.evaluate(() => {
    const describe = (element: Element) =>
      `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${[...element.classList].map((c) => `.${c}`).join('')} “${(element.textContent ?? '').trim().slice(0, 40)}”`;
    const cut: string[] = [];
    const wide: string[] = [];
    const scrolls = (value: string) => value === 'auto' || value === 'scroll';
    for (const element of document.body.querySelectorAll<HTMLElement>('*')) {
      if (!element.checkVisibility() || element.closest('canvas, svg, .sr-only')) continue;
      const style = getComputedStyle(element);
      const clips = (value: string) => value === 'hidden' || value === 'clip';
      const parent = element.parentElement;
      const inScroller = (from: HTMLElement | null): boolean => !!from && (scrolls(getComputedStyle(from).overflowX) || inScroller(from.parentElement));
      if (
        element.getBoundingClientRect().right > window.innerWidth + 1 &&
        parent &&
        parent.getBoundingClientRect().right <= window.innerWidth + 1 &&
        !inScroller(parent)
      )
        wide.push(describe(element));
      if (style.textOverflow === 'ellipsis') continue;
      if (clips(style.overflowX) && element.scrollWidth > element.clientWidth + 1) cut.push(describe(element));
      else if (clips(style.overflowY) && element.scrollHeight > element.clientHeight + 1) cut.push(describe(element));
    }
    return { overflow: document.documentElement.scrollWidth - window.innerWidth, wide, cut };
  });
}

async function boardAt(count: number): Promise<void> {
  for (const [width, height] of WIDTHS) {
    const page = await signedIn(width, height);
    await page.goto(`${navigator.url}/board`);
    await expect.poll(() => page.getByTestId('roster-count').textContent()).toContain(`${count} registered`);
    await page.locator('tbody tr[data-attendee]').first().waitFor();
    await page.screenshot({ path: screenshotPath(`layout-board-${count}-${width}`), fullPage: true });
    expect(await layoutProblems(page)).toEqual({ overflow: 0, wide: [], cut: [] });
    await page.context().close();
  }
}

describe('the board and the retrospective fit the screen', () => {
  it('the board with 3 attendees, one hand up', async () => {
    const [first] = await registerAttendees(navigator.request, navigator.joinUrl, names(0, 3));
    const attendee = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await attendee.goto(`${navigator.url}/a/${first.token}`);
    await attendee.getByLabel('What are you stuck on').fill('ssh: connection refused on port 22 after the kit setup restarted sshd');
    await attendee.getByRole('button', { name: 'Raise hand' }).click();
    await attendee.getByText('Your hand is up').waitFor();
    await attendee.context().close();
    await boardAt(3);
  });

  it('the board with 300 attendees', async () => {
    await importAttendees(navigator.request, navigator.navigatorToken, names(3, 300));
    await boardAt(300);
  });

  it('a retrospective at 1280 px', async () => {
    const page = await signedIn(1280, 800);
    await page.goto(`${navigator.url}/runs/${generated.runId}`);
    await page.waitForFunction(() => {
      const charts = Array.from(document.querySelectorAll<HTMLElement>('[data-chart]'));
      return charts.length > 0 && charts.every((chart) => chart.dataset.drawn === 'true');
    });
    await page.screenshot({ path: screenshotPath('layout-retrospective-1280'), fullPage: true });
    // What attendees were shown: the hint's first paragraph whole, not its first line (the file wraps it mid-sentence).
    const build = loadWorkshopFile(WORKSHOP).definition.steps.find((step) => step.id === 'build-bpf')!;
    const firstParagraph = (build.hint as { en: string }).en
      .split(/\n\s*\n/)[0]
      .replace(/\s*\n\s*/g, ' ')
      .trim();
    expect(firstParagraph).toContain('does not stop the build.');
    const shown = page.getByTestId('stuck-checks').locator('tbody tr').filter({ hasText: 'The BPF build finished' }).locator('td.hint');
    expect(await shown.textContent()).toContain(firstParagraph);
    expect(await layoutProblems(page)).toEqual({ overflow: 0, wide: [], cut: [] });
    await page.context().close();
  });
});
