import { DEFAULT_LOCALE, pickText, type Locale } from '../contract/i18n/locales';
import type { RetrospectiveView } from '../contract/retrospective';
import { ExportWriter } from '../exports/export-writer';

/** The built report: the same Svelte component and chart library as the page, as one script and one stylesheet. */
export interface ReportBundle {
  js: string;
  css: string;
}

/**
 * The retrospective as one self-contained HTML file: data, code and styles inline, nothing fetched (its
 * Content-Security-Policy forbids it), so it opens from disk, offline, years later, and prints. It reads in the
 * language it was downloaded in: the report takes it from the document's `lang`.
 */
export function retrospectiveHtml(retro: RetrospectiveView, bundle: ReportBundle, locale: Locale = DEFAULT_LOCALE): string {
  const w = new ExportWriter(locale);
  const title = w.t('exports.retro.title', { title: pickText(retro.run.title, locale), number: retro.run.number });
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="Navigator">
<title>${escapeHtml(title)}</title>
<style>${inlineSafe(bundle.css, 'style')}</style>
</head>
<body>
<div id="app"><noscript>${escapeHtml(w.t('exports.retro.noscript'))}</noscript></div>
<script type="application/json" id="retrospective-data">${jsonForHtml(retro)}</script>
<script>${inlineSafe(bundle.js, 'script')}</script>
</body>
</html>
`;
}

/** JSON inside a script element: `<` escaped so no text in it can close the element. */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Code and styles inline: a closing tag inside them would end the element early. */
function inlineSafe(source: string, element: 'script' | 'style'): string {
  return source.replace(new RegExp(`</(${element})`, 'gi'), '<\\/$1');
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
