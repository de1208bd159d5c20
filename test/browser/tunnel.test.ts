import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { freePort } from '../support/sshd';

/**
 * Registering a VM behind NAT from the join page, and the attendee page's two tunnel commands. The tunnel itself
 * (real OpenSSH in a namespace Navigator cannot dial) is test/integration/tunnel.test.ts.
 */
let navigator: TestNavigator;
let browser: Browser;
let tunnelPort: number;

beforeAll(async () => {
  if (!fs.existsSync('dist/web/index.html')) throw new Error('build the web app first (npm run build)');
  tunnelPort = await freePort();
  navigator = await startTestNavigator({ NAVIGATOR_TUNNEL_PORT: String(tunnelPort) });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

describe('an attendee whose VM is behind NAT', () => {
  it('chooses "my VM is behind NAT", gives no address, and gets the commands that open the tunnel', async () => {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await page.goto(navigator.joinUrl);
    await page.getByLabel('Your name').fill('Ada Lovelace');
    await expect.poll(() => page.getByLabel('VM address').count()).toBe(1);
    await page.getByLabel(/My VM is behind NAT/).check();
    // Behind NAT the VM reaches its own sshd on localhost: the address field goes, the port stays.
    await expect.poll(() => page.getByLabel('VM address').count()).toBe(0);
    await page.getByLabel(/SSH port on the VM/).fill('22');
    await page.getByLabel('SSH user').fill('ubuntu');
    await page.screenshot({ path: screenshotPath('join-tunnel-phone'), fullPage: true });
    await page.getByRole('button', { name: 'Register and connect' }).click();
    await page.waitForURL(/\/me$/);

    await page.getByText('Open the tunnel from your VM', { exact: true }).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('vm').locator('[data-state]').getAttribute('data-reason')).toBe('tunnel_not_open');
    // The VM's sshd as the VM sees it, and that Navigator reaches it through the tunnel, not by dialling that address.
    expect(await page.getByTestId('via-tunnel').textContent()).toContain('through its tunnel to Navigator');
    const open = (await page.getByLabel('command that opens the tunnel (keep it running)').textContent()) ?? '';
    expect(open).toMatch(new RegExp(`ssh -N .* -p ${tunnelPort} -R 22:localhost:22 [0-9a-f-]+@127\\.0\\.0\\.1`));
    expect(open).toContain('StrictHostKeyChecking=yes');
    const install = (await page.getByLabel(/installs it as a service/).textContent()) ?? '';
    expect(install).toContain("'Restart=always'");
    expect(install).toContain('sudo systemctl enable navigator-tunnel.service');
    // The probe key is still installed on the VM: Navigator logs in to the VM's own sshd through the tunnel.
    expect((await page.getByLabel("command that adds Navigator's key").textContent()) ?? '').toContain('ssh-ed25519');
    await page.screenshot({ path: screenshotPath('attendee-tunnel-phone'), fullPage: true });
  });
});
