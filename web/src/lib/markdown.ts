import DOMPurify from 'dompurify';
import { marked } from 'marked';

/** Hints are Markdown written by the navigator; rendered, then sanitized, never trusted as HTML. */
export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(marked.parse(source, { async: false, gfm: true }), { USE_PROFILES: { html: true } });
}
