import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { importAttendees } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let browser: Browser;

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

describe('telling the room something', () => {
  it('a banner on every attendee page and the projector, dismissible, with history, taken down by the navigator', async () => {
    const [ada] = await importAttendees(navigator.request, navigator.navigatorToken, ['Ada Lovelace']);
    const board = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await board.goto(navigator.navigatorUrl);
    const attendee = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await attendee.goto(`${navigator.url}/a/${ada.token}`);
    await attendee.getByTestId('vm').waitFor();
    const projector = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await projector.goto(navigator.projectorUrl);
    await projector.getByTestId('histogram').waitFor();

    await board.getByLabel('Message to the room').fill('Coffee break until 11:00');
    await board.getByRole('button', { name: 'Send to the room' }).click();
    await expect.poll(() => attendee.getByTestId('broadcast').textContent()).toContain('Coffee break until 11:00');
    await expect.poll(() => projector.getByTestId('broadcast').textContent()).toContain('Coffee break until 11:00');
    await attendee.screenshot({ path: screenshotPath('broadcast-attendee-390') });
    await projector.screenshot({ path: screenshotPath('broadcast-projector-1920') });

    // Dismissed on the attendee's page, still on the projector; a new message comes back, the old one in the history.
    await attendee.getByRole('button', { name: "Dismiss the navigator's message" }).click();
    await attendee.getByTestId('broadcast').waitFor({ state: 'detached' });
    await board.getByLabel('Message to the room').fill('Step 3 is optional');
    await board.getByRole('button', { name: 'Send to the room' }).click();
    await expect.poll(() => attendee.getByTestId('broadcast').textContent()).toContain('Step 3 is optional');
    expect(await attendee.getByText('Messages from the navigator (1)').count()).toBe(1);
    await board.screenshot({ path: screenshotPath('broadcast-board-1280') });

    await board.getByRole('button', { name: 'Take it down' }).click();
    await projector.getByTestId('broadcast').waitFor({ state: 'detached' });
    await attendee.getByTestId('broadcast').waitFor({ state: 'detached' });
  });
});
