import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { registerAttendees } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { freePort } from '../support/sshd';

let navigator: TestNavigator;
let browser: Browser;
let port: number;

beforeAll(async () => {
  port = await freePort();
  navigator = await startTestNavigator({ NAVIGATOR_PORT: String(port), NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

describe('raised hands', () => {
  it('a raised hand reaches the navigator queue, survives a restart, and goes when resolved', async () => {
    const [ada] = await registerAttendees(navigator.request, navigator.joinUrl, ['Ada']);
    const attendee = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await attendee.goto(`${navigator.url}/a/${ada.token}`);
    const board = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await board.goto(navigator.navigatorUrl);
    const projector = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await projector.goto(navigator.projectorUrl);

    await attendee.getByLabel('What are you stuck on').fill('make fails: vmlinux.h missing');
    await attendee.getByRole('button', { name: 'Raise hand' }).click();
    const entry = board.locator('[data-help-for="Ada"]');
    await entry.waitFor();
    expect(await entry.textContent()).toContain('make fails: vmlinux.h missing');
    await expect.poll(() => projector.getByTestId('help-count').textContent()).toContain('1 waiting');
    expect(await projector.content()).not.toContain('vmlinux.h missing');
    await entry.getByRole('button', { name: "I'm on it" }).click();
    await attendee.getByText('the navigator is on the way').waitFor();
    await board.screenshot({ path: screenshotPath('board-help-queue'), fullPage: true });

    // A restart loses nothing: the same queue after reload.
    await navigator.stop();
    navigator = await startTestNavigator({ NAVIGATOR_PORT: String(port), NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' }, navigator.dataDir);
    await board.reload();
    await attendee.reload();
    await board.locator('[data-help-for="Ada"]').waitFor();
    await attendee.getByText('the navigator is on the way').waitFor();

    await board.locator('[data-help-for="Ada"]').getByRole('button', { name: 'Resolved' }).click();
    await board.getByTestId('help-queue').waitFor({ state: 'detached' });
    await attendee.getByRole('button', { name: 'Raise hand' }).waitFor();
  });
});
