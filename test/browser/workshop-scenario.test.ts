import http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, freePort, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * Three attendees on three real sshd-backed "VMs" move through the test workshop while the board, the
 * projector and their own pages follow, across a server restart. The exporter on :9435 is a stand-in
 * for ebpf_exporter (it cannot be installed here), serving its text format.
 */
const PEOPLE = ['Ada', 'Grace', 'Linus'];
let navigator: TestNavigator;
let port: number;
let browser: Browser;
let exporter: http.Server;
const vms: { name: string; sshd: TestSshd; user: TestUser; page?: Page }[] = [];
let board: Page;
let projector: Page;

beforeAll(async () => {
  removeStaleTestUsers();
  port = await freePort();
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_PORT: String(port) });
  exporter = http.createServer((_req, res) => res.end('ebpf_exporter_enabled_configs{name="php"} 1\n'));
  browser = await launchChromium();
  for (const name of PEOPLE) vms.push({ name, sshd: await startSshd(), user: createTestUser(`navt${name.toLowerCase()}`) });
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
  exporter?.close();
  for (const vm of vms) {
    await vm.sshd.stop();
    vm.user.remove();
  }
});

const row = (name: string) => board.locator(`tr[data-attendee="${name}"]`);
const cellStates = (name: string) =>
  row(name)
    .locator('[data-step-state]')
    .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-step-state')));
/** Each row's connection state, reason and message: what a failing wait reports, so a failure says why. */
const rowsNow = async () =>
  (
    await Promise.all(
      PEOPLE.map(async (name) => {
        const badge = row(name).locator('[data-state]');
        return `${name}: ${await badge.getAttribute('data-state').catch(() => '?')}/${await badge.getAttribute('data-reason').catch(() => '?')} ${await board
          .locator(`tr[data-attendee="${name}"]`)
          .textContent()
          .catch(() => '?')}`;
      }),
    )
  ).join('; ');
/** Waits for an attendee's step cells; a timeout says where every row stood. */
async function untilCells(name: string, expected: string[], timeout = 15_000): Promise<void> {
  try {
    await expect.poll(() => cellStates(name), { timeout }).toEqual(expected);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nrows: ${await rowsNow()}`, { cause: error });
  }
}
// The projector shows each person neutrally: how many steps are done, never which one is failing.
const projectorStepsDone = (name: string) => projector.locator(`[data-person="${name}"] .dot.done`).count();

describe('a workshop, live, on every page', () => {
  it('attendees register through the join page and connect', async () => {
    board = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await board.goto(navigator.navigatorUrl);
    projector = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await projector.goto(navigator.projectorUrl);
    for (const vm of vms) {
      const page = await (await browser.newContext({ viewport: vm.name === 'Ada' ? { width: 1280, height: 900 } : { width: 390, height: 844 } })).newPage();
      await page.goto(navigator.joinUrl);
      await page.getByLabel('Your name').fill(vm.name);
      await page.getByLabel('VM address').fill('127.0.0.1');
      await page.getByLabel('SSH port').fill(String(vm.sshd.port));
      await page.getByLabel('SSH user').fill(vm.user.name);
      await page.getByRole('button', { name: 'Register and connect' }).click();
      await page.waitForURL(/\/me$/);
      const command = (await page.getByLabel("command that adds Navigator's key").textContent()) ?? '';
      vm.sshd.setAuthorizedKeys(vm.user.name, [/'([^']+)'/.exec(command)![1]]);
      // The automatic retry may connect first and remove the button; either way the attendee ends up connected.
      await page
        .getByRole('button', { name: 'Try again now' })
        .click({ timeout: 2000 })
        .catch(() => undefined);
      vm.page = page;
    }
    // 09:00: everyone's first step fails because nobody has started; that is "working on it", not a wall of red.
    for (const vm of vms) await untilCells(vm.name, ['current', 'not_yet', 'not_yet']);
  });

  it('each change on a VM shows on the board, the projector and that attendee page without reload', async () => {
    const [ada, grace] = vms;
    ada.user.writeFile('prepared', '');
    await expect.poll(() => cellStates('Ada'), { timeout: 10_000 }).toEqual(['done', 'current', 'not_yet']);
    await expect.poll(() => projectorStepsDone('Ada'), { timeout: 10_000 }).toBe(1);
    await ada.page!.getByRole('heading', { name: 'Now: Build' }).waitFor();

    ada.user.writeFile('built', 'ok\n');
    grace.user.writeFile('built', 'ok\n'); // out of order: step 2 done before step 1
    await expect.poll(() => cellStates('Grace'), { timeout: 10_000 }).toEqual(['current', 'done', 'not_yet']);
    await expect.poll(() => cellStates('Ada'), { timeout: 10_000 }).toEqual(['done', 'done', 'current']);
    await ada.page!.getByText('nothing answers on port 9435').waitFor();

    await new Promise<void>((resolve) => exporter.listen(9435, '127.0.0.1', resolve));
    await expect.poll(() => cellStates('Ada'), { timeout: 10_000 }).toEqual(['done', 'done', 'done']);
    await ada.page!.getByText('All steps done').waitFor();
    await expect.poll(() => board.getByTestId('roster-count').textContent()).toContain('3 registered · 3 connected');
    await board.screenshot({ path: screenshotPath('scenario-board'), fullPage: true });
    await projector.screenshot({ path: screenshotPath('scenario-projector') });
    await ada.page!.screenshot({ path: screenshotPath('scenario-attendee-desktop'), fullPage: true });
    await grace.page!.screenshot({ path: screenshotPath('scenario-attendee-phone'), fullPage: true });
  });

  it('an unreachable VM shows as unreachable with the reason, and comes back', async () => {
    const linus = vms[2];
    // Linus never started, but the exporter stand-in every VM here shares now answers: a step ahead is rechecked
    // only every minute, so ask for every check now and wait for it, rather than for whichever recheck comes first.
    await linus.page!.getByRole('button', { name: 'Check me now' }).click();
    await expect.poll(() => cellStates('Linus'), { timeout: 15_000 }).toEqual(['current', 'not_yet', 'done']);
    await linus.sshd.stop();
    await expect.poll(() => row('Linus').locator('[data-state]').getAttribute('data-reason'), { timeout: 10_000 }).toBe('refused');
    // Steps already done stay done; the rest show the VM cannot be reached.
    await expect.poll(() => cellStates('Linus'), { timeout: 10_000 }).toEqual(['unreachable', 'unreachable', 'done']);
    await linus.page!.getByText('Connection refused', { exact: true }).waitFor();
    await linus.sshd.start();
    await expect.poll(() => row('Linus').locator('[data-state]').getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
  });

  it('after a server restart every page shows the same state on reload', async () => {
    const before = { ada: await cellStates('Ada'), grace: await cellStates('Grace'), linus: await cellStates('Linus') };
    await navigator.stop();
    navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_PORT: String(port) }, navigator.dataDir);
    await board.reload();
    await projector.reload();
    await row('Ada').waitFor();
    expect({ ada: await cellStates('Ada'), grace: await cellStates('Grace'), linus: await cellStates('Linus') }).toEqual(before);
    await expect.poll(() => projectorStepsDone('Ada')).toBe(before.ada.filter((state) => state === 'done').length);
    await vms[0].page!.reload();
    await vms[0].page!.getByText('All steps done').waitFor();
  });

  it('an attendee page cannot reach the board data; the projector page has no hostnames', async () => {
    const attendee = vms[1].page!;
    const status = await attendee.evaluate(async () => (await fetch('/api/attendees')).status);
    expect(status).toBe(401);
    const leaked = await attendee.evaluate(
      () =>
        new Promise<string>((resolve) => {
          // A hand-made socket asking for the board view with the attendee's cookie.
          const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
          let received = '';
          ws.onmessage = (event) => {
            const data = String(event.data);
            if (data.startsWith('0')) ws.send('40{"view":"board"}');
            else received += data;
          };
          setTimeout(() => {
            ws.close();
            resolve(received);
          }, 1500);
        }),
    );
    expect(leaked).not.toContain('roster:snapshot');
    expect(leaked).not.toContain('127.0.0.1');
    const html = await projector.content();
    for (const vm of vms) {
      expect(html).not.toContain(vm.user.name);
      expect(html).not.toContain(String(vm.sshd.port));
    }
  });
});
