import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let browser: Browser;

beforeAll(async () => {
  removeStaleTestUsers();
  sshd = await startSshd();
  user = createTestUser('navtphone');
  navigator = await startTestNavigator({
    NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true',
    NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'test/fixtures/phone-workshop.yaml'),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

/** The page's widths at each phone width: nothing may be wider than the viewport. */
async function widthsAt(page: Page, name: string): Promise<{ width: number; scrollWidth: number }[]> {
  const widths = [];
  for (const width of [390, 360]) {
    await page.setViewportSize({ width, height: 844 });
    widths.push(await page.evaluate(() => ({ width: window.innerWidth, scrollWidth: document.documentElement.scrollWidth })));
    await page.screenshot({ path: screenshotPath(`${name}-${width}`), fullPage: true });
  }
  return widths;
}

function fits(widths: { width: number; scrollWidth: number }[]): void {
  for (const { width, scrollWidth } of widths) expect(scrollWidth, `page width at ${width} px`).toBeLessThanOrEqual(width);
}

describe('the attendee page on a phone', () => {
  it('fits 360 and 390 px, puts the connection fix first, says why Check me now waits, renders failure Markdown', async () => {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await page.goto(navigator.joinUrl);
    await page.getByLabel('Your name').fill('Maximilian Alexander Longname-Fitzgerald');
    // Pasted as people do: user@host:port in the address field, a port with spaces.
    await page.getByLabel('VM address').fill(`  ${user.name}@127.0.0.1:${sshd.port} `);
    await page.getByLabel('SSH port').fill(' 22 ');
    await page.getByLabel('SSH user').fill('');
    await page.getByRole('button', { name: 'Register and connect' }).click();
    await page.waitForURL(/\/me$/);

    // Not connected: the VM card with the key comes before everything else, and the disabled button says why.
    await page.getByText('Key not authorized yet', { exact: true }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.where code').textContent()).toBe(`${user.name}@127.0.0.1:${sshd.port}`);
    const order = await page.evaluate(() => {
      const vm = document.querySelector('[data-testid="vm"]')!;
      const hand = document.querySelector('[data-testid="hand"]')!;
      return vm.compareDocumentPosition(hand) & Node.DOCUMENT_POSITION_FOLLOWING ? 'vm first' : 'hand first';
    });
    expect(order).toBe('vm first');
    const checkNow = page.getByRole('button', { name: 'Check me now' });
    expect(await checkNow.isDisabled()).toBe(true);
    const why = await checkNow.getAttribute('aria-describedby');
    expect(await page.locator(`#${why}`).textContent()).toContain('once Navigator is connected');
    fits(await widthsAt(page, 'attendee-phone-not-connected'));

    // Connected: the failing check's text is Markdown (code, bold), its HTML sanitized away.
    await page.setViewportSize({ width: 390, height: 844 });
    const line = (await page.getByLabel("command that adds Navigator's key").textContent()) ?? '';
    sshd.setAuthorizedKeys(user.name, [/'([^']+)'/.exec(line)![1]]);
    // Navigator's own retry may connect first and take the button away; either way the page ends up connected.
    await page
      .getByRole('button', { name: 'Try again now' })
      .click({ timeout: 2000 })
      .catch(() => undefined);
    await expect.poll(() => page.locator('[data-check="prepared"]').getAttribute('data-status'), { timeout: 15_000 }).toBe('fail');
    const failure = page.locator('[data-check="prepared"] .why');
    expect(await failure.locator('code').allTextContents()).toEqual(['~/prepared', 'touch ~/prepared']);
    expect(await failure.locator('strong').textContent()).toBe('Check me now');
    expect(await failure.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.getByRole('button', { name: 'Check me now' }).isDisabled()).toBe(false);
    const connectedOrder = await page.evaluate(() => {
      const vm = document.querySelector('[data-testid="vm"]')!;
      const hand = document.querySelector('[data-testid="hand"]')!;
      return vm.compareDocumentPosition(hand) & Node.DOCUMENT_POSITION_FOLLOWING ? 'vm first' : 'hand first';
    });
    expect(connectedOrder).toBe('hand first');
    // The hint's long command scrolls inside its block.
    expect(await page.locator('.hint pre').evaluate((pre) => pre.scrollWidth > pre.clientWidth)).toBe(true);
    fits(await widthsAt(page, 'attendee-phone-failing'));
  });
});
