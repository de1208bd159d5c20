import path from 'node:path';
import type { Browser } from 'playwright-core';
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
  user = createTestUser('navtstuck');
  navigator = await startTestNavigator({
    NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true',
    NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'test/fixtures/quick-workshop.yaml'),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

describe('stuck detection', () => {
  it('flags an attendee who stays on a step past its planned time, and clears when they move on', async () => {
    const response = await navigator.request('POST', new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/'), {
      body: { displayName: 'Slowpoke', host: '127.0.0.1', port: sshd.port, sshUser: user.name },
    });
    sshd.setAuthorizedKeys(user.name, [(response.body as { attendee: { authorizedKeysLine: string } }).attendee.authorizedKeysLine]);
    const board = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await board.goto(navigator.navigatorUrl);
    const row = board.locator('tr[data-attendee="Slowpoke"]');
    await expect.poll(() => row.locator('[data-state]').getAttribute('data-state'), { timeout: 10_000 }).toBe('connected');
    // 3 s planned × 1.5: stuck after 4.5 s on the first step.
    await expect.poll(() => row.getAttribute('data-stuck'), { timeout: 15_000 }).toBe('yes');
    expect(await row.locator('.stuck-badge').textContent()).toContain('min on a 0.05 min step');
    expect(await board.getByTestId('stuck-count').textContent()).toBe('1 stuck');
    await board.screenshot({ path: screenshotPath('board-stuck'), fullPage: true });
    user.writeFile('prepared', '');
    await expect.poll(() => row.getAttribute('data-stuck'), { timeout: 10_000 }).toBe('no');
  });
});
