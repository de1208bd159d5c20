import DOMPurify from 'dompurify';
import { marked } from 'marked';

/** Hints are Markdown written by the navigator; rendered, then sanitized, never trusted as HTML. */
export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(marked.parse(source, { async: false, gfm: true }), { USE_PROFILES: { html: true } });
}

/** One line of navigator- or server-written text (a check's failure, a reason): inline Markdown only, sanitized. */
export function renderInlineMarkdown(source: string): string {
  return DOMPurify.sanitize(marked.parseInline(source, { async: false, gfm: true }), {
    ALLOWED_TAGS: ['code', 'em', 'strong', 'a', 'del'],
    ALLOWED_ATTR: ['href'],
  });
}
