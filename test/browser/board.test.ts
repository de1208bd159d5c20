import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { importAttendees, registerAttendees } from '../support/clients';
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

async function openBoard(width: number, height: number): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
  await page.goto(navigator.navigatorUrl);
  return page;
}

async function screenshots(name: string, count: number): Promise<void> {
  for (const [width, height] of [
    [390, 844],
    [1280, 800],
    [1920, 1080],
  ]) {
    const page = await openBoard(width, height);
    await expect.poll(() => page.getByTestId('roster-count').textContent()).toContain(`${count} registered`);
    await page.screenshot({ path: screenshotPath(`${name}-${width}`) });
    await page.context().close();
  }
}

describe('the board at 300', () => {
  it('shows 3 attendees on one line each', async () => {
    const [first] = await registerAttendees(navigator.request, navigator.joinUrl, names(0, 3));
    const attendee = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await attendee.goto(`${navigator.url}/a/${first.token}`);
    await attendee.getByLabel('What are you stuck on').fill('ssh: connection refused');
    await attendee.getByRole('button', { name: 'Raise hand' }).click();
    await attendee.getByText('Your hand is up').waitFor();
    await screenshots('board-3', 3);
  });

  it('renders 300 as a one-line virtualised table with filter chips, hands first', async () => {
    await importAttendees(navigator.request, navigator.navigatorToken, names(3, 300));
    const page = await openBoard(1280, 800);
    await expect.poll(() => page.getByTestId('roster-count').textContent()).toContain('300 registered');

    // Needs help first: the raised hand leads, with its marker.
    const firstRow = page.locator('tbody tr[data-attendee]').first();
    await expect.poll(() => firstRow.getAttribute('data-attendee')).toBe('Attendee 001');
    expect(await firstRow.getAttribute('data-hand')).toBe('up');
    expect(await firstRow.locator('.hand-marker').textContent()).toBe('hand up');

    // One line each, and only the rows in view are in the DOM.
    const heights = await page.locator('tbody tr[data-attendee]').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height));
    expect(Math.max(...heights)).toBeLessThanOrEqual(36);
    expect(heights.length).toBeLessThan(80);
    expect(await page.getByTestId('roster-scroller').locator('table').getAttribute('aria-rowcount')).toBe('301');

    // Scrolling to the end brings the last attendee in.
    await page.getByTestId('roster-scroller').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.locator('tr[data-attendee="Attendee 300"]').waitFor();

    // Chips count; a chip filters.
    const chip = (kind: string) => page.locator(`.chip[data-filter="${kind}"]`);
    expect(await chip('never_connected').textContent()).toContain('300');
    expect(await chip('hand').textContent()).toContain('1');
    await chip('hand').click();
    await expect.poll(() => page.locator('tbody tr[data-attendee]').count()).toBe(1);
    expect(await chip('hand').getAttribute('aria-pressed')).toBe('true');
    await chip('hand').click();
    await expect.poll(() => page.locator('tbody tr[data-attendee]').count()).toBeGreaterThan(1);

    // A sound on a new hand, off until the navigator turns it on.
    const sound = page.getByRole('button', { name: /Sound on a new hand/ });
    expect(await sound.getAttribute('aria-pressed')).toBe('false');
    await sound.click();
    expect(await sound.getAttribute('aria-pressed')).toBe('true');

    // Each Retry button names its attendee.
    await page.getByRole('button', { name: 'Retry Attendee 001 now' }).waitFor();
    await page.context().close();
    await screenshots('board-300', 300);
  });
});
