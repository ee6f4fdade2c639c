/**
 * Markdown that user text cannot break: inline text is escaped (Markdown punctuation with a
 * backslash, HTML-significant characters as entities, since Markdown renderers pass HTML through),
 * and newlines become spaces inside table cells.
 */

/** Escapes text for inline Markdown (paragraphs, table cells, link text). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~#!]/g, (ch) => `\\${ch}`)
    .replace(/\r?\n/g, ' ');
}

/** Shortens text to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** `[text](href)` with the text escaped; href is ours (a file name and an anchor id), never user text. */
export function markdownLink(text: string, href: string): string {
  return `[${escapeMarkdown(text)}](${href.replace(/[()\s]/g, encodeURIComponent)})`;
}

/** A fenced code block whose fence is longer than any backtick run inside the text. */
export function markdownCode(text: string, language = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}
