import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { TestClient, importAttendees } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let browser: Browser;
const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `Attendee ${String(from + i + 1).padStart(3, '0')}`);

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

async function openProjector(width: number, height: number, count: number): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
  await page.goto(navigator.projectorUrl);
  await expect.poll(() => page.locator('[data-column="not-connected"] [data-testid="histogram-count"]').textContent()).toBe(String(count));
  return page;
}

async function screenshots(name: string, count: number): Promise<void> {
  for (const [width, height] of [
    [390, 844],
    [1280, 800],
    [1920, 1080],
  ]) {
    const page = await openProjector(width, height, count);
    await page.screenshot({ path: screenshotPath(`${name}-${width}`) });
    await page.context().close();
  }
}

describe('the projector for the back row', () => {
  it('with 3: a histogram of the room first, the join QR before the clock starts', async () => {
    await importAttendees(navigator.request, navigator.navigatorToken, names(0, 3));
    await screenshots('projector-3', 3);
  });

  it('with 300: big numbers, a not-connected column, neutral names paged by 60, the join code kept, dark and fullscreen', async () => {
    await importAttendees(navigator.request, navigator.navigatorToken, names(3, 300));
    const board = new TestClient(navigator.url, 'board', `navigator_navigator=${navigator.navigatorToken}`);
    expect(await board.socket.emitWithAck('clock:control', { action: 'start' })).toEqual({ ok: true });
    board.close();

    const page = await openProjector(1920, 1080, 300);
    // Numbers readable from the back: at least 48 px at 1920×1080.
    const sizes = await page.getByTestId('histogram-count').evaluateAll((els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize)));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(48);
    // Never-connected people are not counted on step 1.
    expect(await page.locator('[data-column="prepare"] [data-testid="histogram-count"]').textContent()).toBe('0');
    // Names page by 60; nobody is painted as stuck or failing.
    expect(await page.locator('[data-person]').count()).toBe(60);
    expect(await page.getByTestId('names-page').textContent()).toContain('page 1 of 5');
    const backgrounds = await page.locator('[data-person]').evaluateAll((els) => [...new Set(els.map((e) => getComputedStyle(e).backgroundColor))]);
    expect(backgrounds).toEqual(['rgba(0, 0, 0, 0)']);
    // The clock runs, the big QR is gone, the join code stays.
    expect(await page.getByAltText('QR code to join').count()).toBe(0);
    expect(await page.getByTestId('join-code').textContent()).toMatch(/Join: [A-Z0-9]{6}/);
    const { scrollHeight, innerHeight } = await page.evaluate(() => ({ scrollHeight: document.documentElement.scrollHeight, innerHeight: window.innerHeight }));
    expect(scrollHeight).toBeLessThanOrEqual(innerHeight);
    await page.screenshot({ path: screenshotPath('projector-300-light-1920') });

    await page.getByRole('button', { name: 'Dark' }).click();
    expect(await page.locator('main').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: screenshotPath('projector-300-dark-1920') });
    await page.getByRole('button', { name: 'Hide names' }).click();
    expect(await page.locator('[data-person]').count()).toBe(0);
    await page.getByRole('button', { name: 'Fullscreen' }).waitFor();
    await page.context().close();
    await screenshots('projector-300', 300);
  });
});
