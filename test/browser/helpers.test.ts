/**
 * Item 8 of issue 20, in Chromium: the navigator adds a helper on the board and gets their link once;
 * the helper opens it in their own browser and sees the board without any of the navigator's controls,
 * says *I'm on it* on a raised hand, and the navigator's board and the attendee's page say who is coming.
 * Revoking the link signs the helper's board out at once. The VMs are a closed port on loopback.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { registerAttendees } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let browser: Browser;

/** What only the navigator may do, as the board labels it. */
const NAVIGATOR_BUTTONS = ['Start workshop', 'New join code', 'Share join link', 'Import VMs', 'Helpers…', 'New run…', 'Send to the room'];
const NAVIGATOR_LINKS = ['Discussion', 'Runs', 'Projector view ↗'];
const DRAWER_BUTTONS = ['Re-probe now', 'New personal link', 'Remove from the workshop…'];

beforeAll(async () => {
  if (!fs.existsSync('dist/web/index.html')) throw new Error('build the web app first (npm run build)');
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

async function open(url: string, width: number, height: number): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
  await page.goto(url);
  return page;
}

async function countControls(page: Page, drawerOf: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of NAVIGATOR_BUTTONS) counts[name] = await page.getByRole('button', { name, exact: true }).count();
  for (const name of NAVIGATOR_LINKS) counts[name] = await page.getByRole('link', { name, exact: true }).count();
  counts.Retry = await page.getByRole('button', { name: /^Retry .* now$/ }).count();
  await page.locator(`tr[data-attendee="${drawerOf}"]`).getByRole('button', { name: drawerOf, exact: true }).click();
  const drawer = page.getByTestId('drawer');
  await drawer.getByRole('heading', { name: 'Timeline' }).waitFor();
  for (const name of DRAWER_BUTTONS) counts[name] = await drawer.getByRole('button', { name, exact: true }).count();
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });
  return counts;
}

describe('helpers', () => {
  it('a helper added on the board answers a raised hand from their own board, which has none of the navigator’s controls', async () => {
    const [ada] = await registerAttendees(navigator.request, navigator.joinUrl, ['Ada Byron', 'Alan Turing']);

    // The navigator adds Sam and gets the link, once.
    const board = await open(navigator.navigatorUrl, 1280, 800);
    await board.locator('tr[data-attendee="Alan Turing"]').waitFor();
    await board.getByRole('button', { name: 'Helpers…', exact: true }).click();
    const dialog = board.getByTestId('helpers-dialog');
    await dialog.getByLabel("Helper's name").fill('Sam Rivera');
    await dialog.getByRole('button', { name: 'Add helper' }).click();
    const link = (await dialog.getByLabel('helper link for Sam Rivera').textContent())!.trim();
    expect(link).toMatch(new RegExp(`^${navigator.url}/h/[\\w-]{30,}$`));
    // The same link as a QR code, for the helper's phone; drawn, not an empty box.
    const qr = dialog.getByRole('img', { name: 'Sam Rivera’s link as a QR code, to scan with their phone' });
    expect(await qr.locator('svg path').count()).toBeGreaterThan(0);
    expect((await qr.boundingBox())!.width).toBeGreaterThan(100);
    await dialog.locator('[data-helper="Sam Rivera"]').getByRole('button', { name: "Revoke Sam Rivera's link" }).waitFor();
    await board.screenshot({ path: screenshotPath('helpers-dialog-1280') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Opened again, the list has Sam but the link is gone: it was shown once.
    await board.getByRole('button', { name: 'Helpers…', exact: true }).click();
    await dialog.locator('[data-helper="Sam Rivera"]').waitFor();
    expect(await dialog.textContent()).not.toContain(link);
    expect(await dialog.getByTestId('new-helper-qr').count(), 'the QR code is shown once, with the link').toBe(0);
    await board.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Ada raises her hand.
    const attendee = await open(`${navigator.url}/a/${ada.token}`, 390, 844);
    await attendee.getByLabel('What are you stuck on').fill('ssh: connection refused');
    await attendee.getByRole('button', { name: 'Raise hand' }).click();
    await board.locator('[data-help-for="Ada Byron"]').waitFor();

    // Sam opens the link in their own browser: the board, as a helper, without the navigator's controls.
    const helper = await open(link, 1280, 800);
    await helper.waitForURL(/\/board$/);
    expect(await helper.getByTestId('helper-mark').textContent()).toContain('Signed in as helper Sam Rivera');
    const entry = helper.locator('[data-help-for="Ada Byron"]');
    await entry.waitFor();
    expect(await entry.textContent()).toContain('ssh: connection refused');
    await helper.locator('tr[data-attendee="Alan Turing"]').waitFor();
    const onNavigatorBoard = await countControls(board, 'Alan Turing');
    const onHelperBoard = await countControls(helper, 'Alan Turing');
    for (const [control, count] of Object.entries(onNavigatorBoard)) expect(count, `the navigator's ${control}`).toBeGreaterThan(0);
    for (const [control, count] of Object.entries(onHelperBoard)) expect(count, `a helper's ${control}`).toBe(0);
    // A helper cannot start the clock, so the room chart does not ask them to.
    const room = (await helper.getByTestId('room-live').textContent()) ?? '';
    expect(room).toContain('once the workshop clock starts');
    expect(room).not.toContain('start the workshop clock');
    expect(await board.getByTestId('room-live').textContent()).toContain('start the workshop clock');
    await helper.screenshot({ path: screenshotPath('helpers-helper-board-1280') });

    // Sam is on it: the navigator's board and Ada's page say who is coming.
    await entry.getByRole('button', { name: "I'm on it" }).click();
    await helper.getByText('Sam Rivera is on it').waitFor();
    await board.locator('[data-help-for="Ada Byron"]').getByText('Sam Rivera is on it').waitFor();
    await attendee.getByText('Your hand is up: Sam Rivera is on the way.').waitFor();
    await board.screenshot({ path: screenshotPath('helpers-navigator-on-it-1280') });
    await attendee.screenshot({ path: screenshotPath('helpers-attendee-on-the-way-390') });

    // The same board on a helper's phone.
    const phone = await open(link, 390, 844);
    await phone.getByText('Sam Rivera is on it').waitFor();
    await phone.locator('tr[data-attendee="Alan Turing"]').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: screenshotPath('helpers-helper-board-390'), fullPage: true });
    const navigatorPhone = await open(navigator.navigatorUrl, 390, 844);
    await navigatorPhone.getByRole('button', { name: 'Helpers…', exact: true }).click();
    await navigatorPhone.getByTestId('helpers-dialog').locator('[data-helper="Sam Rivera"]').waitFor();
    await navigatorPhone.screenshot({ path: screenshotPath('helpers-dialog-390') });

    // Revoked, Sam's boards are signed out at once and say why.
    await navigatorPhone.getByRole('button', { name: "Revoke Sam Rivera's link" }).click();
    await navigatorPhone
      .getByTestId('helpers-dialog')
      .locator('[data-helper="Sam Rivera"]')
      .getByText(/revoked/)
      .waitFor();
    await helper.getByRole('heading', { name: 'Your helper link was revoked' }).waitFor();
    await phone.getByRole('heading', { name: 'Your helper link was revoked' }).waitFor();
    expect(await helper.locator('[data-help-for]').count()).toBe(0);
    await phone.screenshot({ path: screenshotPath('helpers-revoked-390') });
    await helper.reload();
    await helper.getByRole('heading', { name: 'Navigator sign-in needed' }).waitFor();
  });
});
