/**
 * A workshop with checks that need root (`sudo: true`, checks/observability-101.yaml): the attendee's
 * page says so beside the dedicated-login command, names the checks, and gives the sudo rule to paste,
 * on a phone without overflowing. Real server, real Chromium, a real sshd that has not been given the key yet.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, startSshd, type TestSshd, type TestUser } from '../support/sshd';

let navigator: TestNavigator;
let browser: Browser;
let sshd: TestSshd;
let user: TestUser;

beforeAll(async () => {
  sshd = await startSshd();
  user = createTestUser('navtroot');
  navigator = await startTestNavigator({
    NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true',
    NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'checks/observability-101.yaml'),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

describe('checks that need root', () => {
  it('the attendee page names them and gives the sudo rule for the dedicated login, within a phone screen', async () => {
    const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
    const registered = await navigator.request('POST', joinPath, {
      body: { displayName: 'Ada', host: '127.0.0.1', port: sshd.port, sshUser: user.name, values: { grafanaPassword: 'hunter2-but-longer' } },
    });
    expect(registered.status).toBe(201);
    const personalPath = (registered.body as { personalPath: string }).personalPath;

    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await phone.goto(navigator.url + personalPath);
    // Until the key is added the page shows it, with the dedicated login, and this beside them.
    const box = phone.getByTestId('root-checks');
    await box.waitFor();
    expect(await box.textContent()).toContain("The textfile collector's directory is there, writable by root");
    const command = await phone.getByLabel("command that lets Navigator's login run the root checks").textContent();
    expect(command).toContain("echo 'navigator ALL=(root) NOPASSWD: ALL' | sudo tee /etc/sudoers.d/navigator-checks.new");
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await box.scrollIntoViewIfNeeded();
    await phone.screenshot({ path: screenshotPath('attendee-root-checks-phone'), fullPage: false });
  });
});
