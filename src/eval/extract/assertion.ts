/**
 * Which of a set of phrases (labels, option texts) a sentence asserts. A phrase under negation
 * ("not hate speech", "rather than positive", "neither A nor B") is denied, not asserted; a text
 * that asserts two different phrases hedges and asserts none, unless it opens with one of them
 * ("Positive, although parts read as negative.").
 */
import { findPhrases, type PhraseHit } from './text.js';

export type Assertion =
  { kind: 'asserted'; phrase: number } | { kind: 'ambiguous'; phrases: number[] } | { kind: 'denied'; phrases: number[] } | { kind: 'none' };

/** Words that deny what follows them in the same clause (text in normal form: "isn't" is "isnt"). */
const NEGATION = new Set([
  'not',
  'no',
  'never',
  'neither',
  'nor',
  'none',
  'without',
  'isnt',
  'arent',
  'wasnt',
  'werent',
  'doesnt',
  'dont',
  'didnt',
  'cannot',
  'cant',
  'wont',
  'shouldnt',
  'wouldnt',
  'couldnt',
  'hardly',
  'nothing',
]);
const NEGATING_PHRASES = ['rather than', 'instead of', 'as opposed to', 'other than', 'far from', 'ruled out', 'rule out'];
/** How many words before a phrase a negation still reaches. */
const REACH = 4;
const CLAUSE_BREAK = /[.;:!?,\n]|\bbut\b|\bhowever\b|\bso\b|\bthus\b|\btherefore\b/g;

/** `text` and `phrases` are in normal form (normalizeAnswerText). */
export function assertedPhrase(text: string, phrases: string[]): Assertion {
  const hits = findPhrases(text, phrases);
  if (!hits.length) return { kind: 'none' };
  const asserted: PhraseHit[] = [];
  const denied = new Set<number>();
  for (const hit of hits) {
    if (isNegated(text, hit.start)) denied.add(hit.phrase);
    else asserted.push(hit);
  }
  const distinct = [...new Set(asserted.map((hit) => hit.phrase))];
  if (distinct.length === 1) return { kind: 'asserted', phrase: distinct[0]! };
  if (distinct.length === 0) return { kind: 'denied', phrases: [...denied] };
  if (asserted[0]!.start === 0) return { kind: 'asserted', phrase: asserted[0]!.phrase };
  return { kind: 'ambiguous', phrases: distinct };
}

/** A negation word within REACH words before `start`, in the same clause. */
function isNegated(text: string, start: number): boolean {
  const windowStart = Math.max(0, start - 80);
  let clause = text.slice(windowStart, start);
  let lastBreak = -1;
  CLAUSE_BREAK.lastIndex = 0;
  for (let match = CLAUSE_BREAK.exec(clause); match; match = CLAUSE_BREAK.exec(clause)) lastBreak = match.index + match[0].length;
  if (lastBreak >= 0) clause = clause.slice(lastBreak);
  const words = clause.trim().split(/\s+/).filter(Boolean).slice(-REACH);
  if (words.some((word) => NEGATION.has(word))) return true;
  const tail = words.join(' ');
  return NEGATING_PHRASES.some((phrase) => tail.includes(phrase));
}
