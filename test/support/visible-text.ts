import type { Page } from 'playwright-core';

/**
 * What a page shows that did not come from the message files. Run it with the pseudo-language
 * (`localStorage['navigator.lang'] = 'qps'`), in which every message renders as ⟦…⟧: visible text
 * and labels (aria-label, title, placeholder, alt) are gathered in document order, messages are
 * removed, then the data the test names (attendee names, the workshop's own texts). What still has
 * letters in it is an untranslated string. Code, commands and anything marked `translate="no"`
 * are data and skipped.
 */
export async function untranslatedTexts(page: Page, data: readonly string[] = []): Promise<string[]> {
  const gathered = await page.evaluate(() => {
    const skip = (element: Element | null) => !!element?.closest('code, pre, kbd, script, style, noscript, [translate="no"], svg, canvas');
    const visible = (element: Element) => element.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true });
    const texts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || skip(parent) || !visible(parent)) continue;
      texts.push(node.textContent ?? '');
    }
    const labels: string[] = [];
    for (const element of document.body.querySelectorAll('[aria-label], [title], [placeholder], img[alt]')) {
      if (skip(element) || !visible(element)) continue;
      for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
        const value = element.getAttribute(name);
        if (value) labels.push(value);
      }
    }
    if (document.title) labels.push(document.title);
    return { text: texts.join(''), labels };
  });
  const byLength = [...data].filter(Boolean).sort((a, b) => b.length - a.length);
  const leftovers = (text: string): string[] => {
    let rest = text;
    for (let previous = ''; previous !== rest;) {
      previous = rest;
      rest = rest.replace(/⟦[^⟦⟧]*⟧/g, '\n');
    }
    for (const value of byLength) rest = rest.split(value).join('\n');
    return rest
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /\p{L}/u.test(line));
  };
  return [...leftovers(gathered.text), ...gathered.labels.flatMap(leftovers)];
}

/** Opens this page in a language (`en`, `ja`, or the `qps` pseudo-language) unless the reader picks another on it. */
export async function useLanguage(page: Page, language: 'en' | 'ja' | 'qps'): Promise<void> {
  await page.addInitScript((lang) => {
    if (!localStorage.getItem('navigator.lang')) localStorage.setItem('navigator.lang', lang);
  }, language);
}
