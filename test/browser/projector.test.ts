import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient, registerAttendees } from '../support/clients';
import { launchChromium, screenshotPath } from '../support/browser';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let browser: Browser;
const NAMES = Array.from({ length: 45 }, (_, i) => `Attendee ${String(i + 1).padStart(2, '0')} Longername`);

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

describe('the projector view', () => {
  it('shows 45 attendees at 1920×1080 without scrolling, with counts and pace, and no hostnames', async () => {
    // 45 registrations from one address, as from a room behind one NAT.
    await registerAttendees(navigator.request, navigator.joinUrl, NAMES);
    const board = new TestClient(navigator.url, 'board', `navigator_navigator=${navigator.navigatorToken}`);
    expect(await board.socket.emitWithAck('clock:control', { action: 'start' })).toEqual({ ok: true });
    board.close();

    const page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await page.goto(navigator.projectorUrl);
    await page.locator('[data-person]').nth(44).waitFor();
    await page.getByTestId('projector-pace').waitFor();
    const { scrollHeight, innerHeight } = await page.evaluate(() => ({ scrollHeight: document.documentElement.scrollHeight, innerHeight: window.innerHeight }));
    expect(scrollHeight).toBeLessThanOrEqual(innerHeight);
    for (const name of [NAMES[0], NAMES[44]]) expect(await page.locator(`[data-person="${name}"]`).isVisible()).toBe(true);
    const html = await page.content();
    expect(html).not.toMatch(/user\d+/);
    await page.screenshot({ path: screenshotPath('projector-45'), fullPage: false });
  });
});
