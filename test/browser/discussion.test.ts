import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { registerAttendees } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let browser: Browser;
let board: Page;
let projector: Page;
const pages: { name: string; page: Page }[] = [];
const NAMES = ['Ada', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara'];

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const attendees = await registerAttendees(navigator.request, navigator.joinUrl, NAMES);
  browser = await launchChromium();
  board = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await board.goto(navigator.navigatorUrl);
  await board.goto(new URL('/discussion', navigator.url).toString());
  projector = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
  await projector.goto(navigator.projectorUrl);
  for (const attendee of attendees) {
    const page = await (await browser.newContext({ viewport: { width: 420, height: 900 } })).newPage();
    await page.goto(new URL(`/a/${attendee.token}`, navigator.url).toString());
    await page.waitForURL(/\/me$/);
    pages.push({ name: attendee.name, page });
  }
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

async function groupNameOf(page: Page): Promise<string> {
  const heading = (await page.locator('#discussion-title').textContent()) ?? '';
  return heading.replace('Discussion: ', '').trim();
}

describe('the closing discussion in the browser', () => {
  it('forms two groups; notes appear live for the group and the navigator only', async () => {
    await board.getByLabel('Group by').selectOption('count');
    await board.getByLabel('How many').fill('2');
    await board.getByRole('button', { name: 'Form groups' }).click();
    await board.locator('section.group').nth(1).waitFor();
    for (const { page } of pages) await page.getByTestId('discussion').waitFor();

    const groups = new Map<string, string[]>();
    for (const { name, page } of pages) {
      const group = await groupNameOf(page);
      groups.set(group, [...(groups.get(group) ?? []), name]);
    }
    expect([...groups.values()].map((members) => members.length)).toEqual([3, 3]);

    for (const { name, page } of pages) {
      await page.getByRole('textbox', { name: /New note for/ }).fill(`${name}: trace slow SQL from PHP`);
      await page.getByRole('button', { name: 'Add note' }).click();
    }
    for (const { name, page } of pages) {
      const mine = await groupNameOf(page);
      for (const [group, members] of groups) {
        for (const member of members) {
          const note = page.getByText(`${member}: trace slow SQL from PHP`);
          if (group === mine) await note.waitFor({ timeout: 10_000 });
          else expect(await note.count(), `${name} must not see ${member}'s note`).toBe(0);
        }
      }
    }
    for (const name of NAMES) await board.getByText(`${name}: trace slow SQL from PHP`).waitFor();
    await pages[0].page.screenshot({ path: screenshotPath('attendee-discussion-phone'), fullPage: true });
    await board.screenshot({ path: screenshotPath('discussion-navigator'), fullPage: true });
  });

  it('shows one timer, the same on three pages within a second', async () => {
    await board.getByRole('button', { name: 'Start' }).first().click();
    const read = async (page: Page) => Number(await page.locator('[data-timer="discussion"]').first().getAttribute('data-remaining-ms'));
    await expect.poll(() => read(projector), { timeout: 5000 }).toBeLessThan(10 * 60_000);
    const rosterBoard = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await rosterBoard.goto(navigator.navigatorUrl);
    await rosterBoard.locator('[data-timer="discussion"]').waitFor();
    const [a, b, c, d] = await Promise.all([read(board), read(projector), read(pages[2].page), read(rosterBoard)]);
    expect(Math.max(a, b, c, d) - Math.min(a, b, c, d)).toBeLessThan(1000);
    expect(a).toBeGreaterThan(9 * 60_000);
  });

  it('shuffles the order and shows now presenting and up next on the projector', async () => {
    await board.getByRole('button', { name: 'Shuffle' }).click();
    await board.getByRole('button', { name: 'Start presentations' }).click();
    const order = projector.getByTestId('presentation-order').locator('li strong');
    await expect.poll(() => projector.getByTestId('now-presenting').textContent()).not.toBe('—');
    const names = await order.allTextContents();
    expect(await projector.getByTestId('now-presenting').textContent()).toBe(names[0]);
    expect(await projector.getByTestId('up-next').textContent()).toBe(names[1]);
    await projector.screenshot({ path: screenshotPath('projector-discussion'), fullPage: true });
  });

  it('the Markdown export has every note', async () => {
    const markdown = (await navigator.request('GET', '/api/export/discussion.md', { token: navigator.navigatorToken })).body as string;
    for (const name of NAMES) expect(markdown).toContain(`${name}: trace slow SQL from PHP`);
  });
});
