/**
 * A rebuilt VM, as the attendee and the navigator see it: the attendee's phone shows both host-key
 * fingerprints and the "My VM was rebuilt" request; the board's help queue shows the request with both
 * fingerprints; trusting it brings the VM back. Real sshd, real server, real Chromium.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync('dist/web/index.html')) throw new Error('build the web app first (npm run build)');
  removeStaleTestUsers();
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  sshd = await startSshd();
  user = createTestUser('navtbrhostkey');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

describe('a rebuilt VM', () => {
  it('the attendee asks the navigator to trust the new host key; the navigator compares and trusts it; the VM is back', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await phone.goto(navigator.joinUrl);
    await phone.getByLabel('Your name').fill('Ada Lovelace');
    await phone.getByLabel('VM address').fill('127.0.0.1');
    await phone.getByLabel('SSH port').fill(String(sshd.port));
    await phone.getByLabel('SSH user').fill(user.name);
    await phone.getByRole('button', { name: 'Register and connect' }).click();
    await phone.waitForURL(/\/me$/);
    const line = (await phone.getByLabel('authorized_keys line').textContent()) ?? '';
    sshd.setAuthorizedKeys(user.name, [line]);
    await phone.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 });
    const first = sshd.hostKeyFingerprint;
    await phone.getByText(first).waitFor();

    await sshd.regenerateHostKey();
    const rebuilt = sshd.hostKeyFingerprint;
    const warning = phone.getByTestId('host-key-changed');
    await warning.waitFor({ timeout: 20_000 });
    expect(await warning.textContent()).toContain(first);
    expect(await warning.textContent()).toContain(rebuilt);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: screenshotPath('attendee-host-key-changed-phone'), fullPage: true });
    await warning.getByRole('button', { name: 'My VM was rebuilt: trust its new key' }).click();
    await warning.getByText('Asked: the navigator compares the two keys').waitFor();

    const board = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await board.goto(navigator.navigatorUrl);
    const request = board.locator('[data-host-key-for="Ada Lovelace"]');
    await request.waitFor();
    expect(await request.textContent()).toContain(first);
    expect(await request.textContent()).toContain(rebuilt);
    await board.screenshot({ path: screenshotPath('board-host-key-request'), fullPage: false });
    await request.getByRole('button', { name: 'Trust the new key' }).click();
    await request.waitFor({ state: 'detached' });

    await phone.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 });
    await warning.waitFor({ state: 'detached' });
    await phone.getByText(rebuilt).waitFor();
  });
});
