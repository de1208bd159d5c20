/**
 * What exported files must never carry out of Navigator: links that run code when a reader clicks them
 * in a Markdown viewer, and cells a spreadsheet runs as formulas.
 */

/** Link destinations kept in Markdown: web and mail links, and links within a page or site. Anything else (javascript:, data:, vbscript:, entity-encoded tricks) is dropped. */
const SAFE_DESTINATION = /^(https?:\/\/|mailto:|#|\/(?!\/))/i;
const REMOVED = '#link-removed';

/** Markdown text from a person: HTML brackets escaped, and only safe link destinations kept (inline, image and reference links). */
export function safeMarkdown(text: string): string {
  return text
    .replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'))
    .replace(/\]\(\s*([^\s()]*(?:\([^\s()]*\)[^\s()]*)*)/g, (whole, destination: string) => (SAFE_DESTINATION.test(destination) ? whole : `](${REMOVED}`))
    .replace(/^(\s{0,3}\[[^\]\n]+\]:\s*)(\S+)/gm, (whole, label: string, destination: string) =>
      SAFE_DESTINATION.test(destination) ? whole : `${label}${REMOVED}`,
    );
}

/**
 * Characters a spreadsheet may read as the start of a formula once it folds compatibility forms
 * (full-width ＝＋－＠, small ﹦﹢﹣, the minus sign) or skips leading blanks.
 */
const FORMULA_START = /^[=+\-@\t\r\u2212]/;

export function looksLikeFormula(text: string): boolean {
  const folded = text.normalize('NFKC').replace(/^[\s\u200b-\u200f\u2060\ufeff]+/, '');
  return FORMULA_START.test(text) || FORMULA_START.test(folded);
}
