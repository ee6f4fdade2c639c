/**
 * Text clean-up shared by the answer extractors: cutting off an invented next question, taking
 * the text after a final answer marker, and finding label/option phrases as whole words.
 */

/**
 * Few-shot completions often run on into a made-up next demo ("\n\nQ: ..."), whose answer would
 * otherwise be taken as the last one in the text.
 */
const INVENTED_CONTINUATION = /\n\s*(?:Q|Question)\s*:/i;

export function cutInventedContinuation(output: string): string {
  const match = INVENTED_CONTINUATION.exec(output);
  return match ? output.slice(0, match.index) : output;
}

/** "Answer:" and "the answer is" (the cue zero-shot CoT ends with) both introduce a final answer. */
const ANSWER_MARKER = /\banswer\s*:|\banswer\s+is\b\s*:?/gi;

/** The text after the last answer marker, or null when there is none. */
export function afterLastAnswerMarker(text: string): string | null {
  let end = -1;
  for (const match of text.matchAll(ANSWER_MARKER)) end = match.index + match[0].length;
  return end < 0 ? null : text.slice(end);
}

const QUOTES = /["'`\u2018\u2019\u201c\u201d*]/g;

/**
 * Case-, whitespace-, quote- and punctuation-insensitive form used to compare short answers.
 * Underscores and hyphens count as spaces so "not entailment" matches the label "not_entailment".
 */
export function normalizeAnswerText(text: string): string {
  return text
    .toLowerCase()
    .replace(QUOTES, '')
    .replace(/[_-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s.,;:!?]+|[\s.,;:!?]+$/g, '');
}

export interface PhraseHit {
  /** Index into the phrase list. */
  phrase: number;
  start: number;
  end: number;
}

/**
 * Whole-word occurrences of phrases in `text` (both already normalised). An occurrence that lies
 * inside an occurrence of a longer phrase is dropped, so "very positive" does not also count as
 * "positive".
 */
export function findPhrases(text: string, phrases: string[]): PhraseHit[] {
  const hits: PhraseHit[] = [];
  phrases.forEach((phrase, index) => {
    if (!phrase) return;
    let from = 0;
    for (;;) {
      const start = text.indexOf(phrase, from);
      if (start < 0) break;
      const end = start + phrase.length;
      if (isBoundary(text, start - 1) && isBoundary(text, end)) hits.push({ phrase: index, start, end });
      from = start + 1;
    }
  });
  return hits
    .filter((hit) => !hits.some((other) => other !== hit && covers(other, hit)))
    .sort((x, y) => x.start - y.start);
}

function covers(outer: PhraseHit, inner: PhraseHit): boolean {
  return (
    outer.start <= inner.start && outer.end >= inner.end && outer.end - outer.start > inner.end - inner.start
  );
}

function isBoundary(text: string, position: number): boolean {
  if (position < 0 || position >= text.length) return true;
  return !/[\p{L}\p{N}]/u.test(text[position]!);
}

/** The single phrase the hits name, the one at the very start when several differ, else null. */
export function resolvePhraseHits(
  hits: PhraseHit[],
): { phrase: number } | { ambiguous: number[] } | null {
  const distinct = [...new Set(hits.map((hit) => hit.phrase))];
  if (distinct.length === 0) return null;
  if (distinct.length === 1) return { phrase: distinct[0]! };
  const first = hits[0]!;
  if (first.start === 0) return { phrase: first.phrase };
  return { ambiguous: distinct };
}
