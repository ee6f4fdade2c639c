/**
 * Where an output states its final answer. Markers, in one pass: GSM8K's "####", "\boxed{...}",
 * "Final answer:", "(So) the answer is", "Answer:", and "A:" at the start of a line; a user's
 * `--answer-pattern` when given. Each statement is the marker and the text it introduces (the rest
 * of its line, or the next line when the marker ends its line), so a reader can take the answer
 * from its start. Markdown emphasis ("**18**") and a bare last line are weaker statements the
 * pipeline tries when no marker is found.
 */
import { InputError } from '../../util/errors.js';

export interface Statement {
  /** Which pattern found it ("the answer is", "####", "custom"...), recorded with the answer. */
  pattern: string;
  /** Offset where the statement (its opening words included) starts: the rationale ends here. */
  start: number;
  /** The text the marker introduces, as written. */
  text: string;
}

/**
 * The markers as one alternation, so overlapping ones resolve by position ("So the answer is"
 * starts before "answer is"; "Final answer:" before "answer:"). Every branch is bounded in length.
 */
const MARKERS =
  /(?<hashes>####)|(?<boxed>\\boxed\s*\{)|(?<final>\bfinal\s+answer\s*(?:is\b|[:=])?\s*:?)|(?<answerIs>(?:\b(?:so|thus|therefore|hence)[ \t]*,?[ \t]+)?\b(?:the[ \t]+)?(?:(?:final|correct|right|best)[ \t]+)?answer[ \t]+(?:is|would[ \t]+be|will[ \t]+be)\b[ \t]*:?)|(?<answerColon>\banswer[ \t]*[:=])|(?<lineA>(?<=^|\n)[ \t>*_]{0,8}A[ \t]{0,8}[*_]{0,4}:)/gi;

/** The first marker in a text (not global). */
const FIRST_MARKER = new RegExp(MARKERS.source, 'i');

/**
 * What every marker contains (a superset, in one cheap scan): most outputs of a label task have no marker,
 * and ruling them out this way costs a tenth of running MARKERS over them.
 */
const MAY_HAVE_MARKER = /####|\\boxed|answer|a[ \t]{0,8}[*_]{0,4}:/i;

const GROUPS = ['hashes', 'boxed', 'final', 'answerIs', 'answerColon', 'lineA'] as const;
const PATTERN_NAMES: Record<(typeof GROUPS)[number], string> = {
  hashes: '####',
  boxed: '\\boxed{}',
  final: 'final answer',
  answerIs: 'the answer is',
  answerColon: 'Answer:',
  lineA: 'A:',
};

/**
 * A real output states its final answer a few times at most; a degenerate one ("the answer is the
 * answer is ...") may match thousands of times. Only the last this-many statements are read.
 */
export const MAX_STATEMENTS = 64;

/** The marked statements of `text`, in order (the last MAX_STATEMENTS of them). */
export function markedStatements(text: string, custom?: RegExp): Statement[] {
  if (custom) return customStatements(text, custom);
  if (!MAY_HAVE_MARKER.test(text)) return [];
  const found: { group: (typeof GROUPS)[number]; start: number; after: number }[] = [];
  MARKERS.lastIndex = 0;
  // exec, not matchAll: matchAll copies the expression on every call.
  for (let match = MARKERS.exec(text); match; match = MARKERS.exec(text)) {
    const groups = match.groups!;
    const group = GROUPS.find((name) => groups[name] !== undefined);
    if (!group) continue;
    // "a:" in running text is not the "A:" marker (the regex is case-insensitive as a whole).
    if (group === 'lineA' && !match[0].includes('A')) continue;
    found.push({ group, start: match.index, after: match.index + match[0].length });
  }
  const statements: Statement[] = [];
  for (const { group, start, after } of found.slice(-MAX_STATEMENTS)) {
    const body = group === 'boxed' ? boxedContent(text, after) : introducedText(text, after);
    if (body !== null) statements.push({ pattern: PATTERN_NAMES[group]!, start, text: body });
  }
  return statements;
}

/** The first marked statement's offset in `text`, or -1: where an answer was first stated. */
export function firstStatementAt(text: string, custom?: RegExp): number {
  if (!custom && !MAY_HAVE_MARKER.test(text)) return -1;
  const pattern = custom ? new RegExp(custom.source, custom.flags.replace('g', '')) : FIRST_MARKER;
  const match = pattern.exec(text);
  return match ? match.index : -1;
}

/**
 * The user's pattern: its named group `answer`, else its first group, else the text after the
 * match. A pattern that matches the empty string is refused where it is compiled (compileAnswerPattern).
 */
function customStatements(text: string, pattern: RegExp): Statement[] {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  const statements: Statement[] = [];
  for (const match of text.matchAll(global)) {
    if (match[0].length === 0) continue;
    const captured = match.groups?.answer ?? match[1];
    const body = captured ?? introducedText(text, match.index + match[0].length);
    if (body !== null) statements.push({ pattern: 'custom', start: match.index, text: body });
    if (statements.length > 10 * MAX_STATEMENTS) statements.splice(0, statements.length - MAX_STATEMENTS);
  }
  return statements.slice(-MAX_STATEMENTS);
}

/** The text after a marker: the rest of its line, or the next non-blank line when the marker ends its line. */
function introducedText(text: string, from: number): string | null {
  let end = text.indexOf('\n', from);
  if (end < 0) end = text.length;
  const rest = text.slice(from, Math.min(end, from + 500));
  if (rest.trim()) return rest;
  let next = end + 1;
  while (next < text.length && next < end + 500) {
    let nextEnd = text.indexOf('\n', next);
    if (nextEnd < 0) nextEnd = text.length;
    const line = text.slice(next, Math.min(nextEnd, next + 500));
    if (line.trim()) return line;
    next = nextEnd + 1;
  }
  return null;
}

/** "\boxed{\frac{3}{4}}" -> "3/4": the braces matched, bounded to 500 characters; LaTeX wrappers removed. */
function boxedContent(text: string, from: number): string | null {
  let depth = 1;
  const limit = Math.min(text.length, from + 500);
  for (let i = from; i < limit; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      return text
        .slice(from, i)
        .replace(/\\d?frac\{([^{}]*)\}\{([^{}]*)\}/g, '$1/$2')
        .replace(/\\(?:text|textbf|mathrm|mathbf)\{([^{}]*)\}/g, '$1')
        .replace(/\\[,;!]|\\ /g, '')
        .replace(/\\%/g, '%')
        .replace(/\\\$/g, '$');
    }
  }
  return null;
}

const EMPHASIS = /\*\*([^*\n]{1,200})\*\*|__([^_\n]{1,200})__/g;

/** "**18**", "__positive__": emphasised spans (bounded to 200 characters each), in order. */
export function emphasisStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  if (!text.includes('**') && !text.includes('__')) return statements;
  EMPHASIS.lastIndex = 0;
  for (let match = EMPHASIS.exec(text); match; match = EMPHASIS.exec(text)) {
    statements.push({ pattern: 'emphasis', start: match.index, text: (match[1] ?? match[2])! });
    if (statements.length > 10 * MAX_STATEMENTS) statements.splice(0, statements.length - MAX_STATEMENTS);
  }
  return statements.slice(-MAX_STATEMENTS);
}

/** `--answer-pattern` compiled, or undefined when not given; a bad pattern is an input error naming the flag. */
export function answerPatternOption(source: string | undefined): RegExp | undefined {
  if (source === undefined || source === '') return undefined;
  try {
    return compileAnswerPattern(source);
  } catch (error) {
    throw new InputError((error as Error).message, { field: 'answer-pattern' });
  }
}

/**
 * A user's `--answer-pattern`: a regular expression whose named group `answer` (or first group)
 * is the answer, else the answer is the text after it. Invalid or empty-matching patterns are refused.
 */
export function compileAnswerPattern(source: string): RegExp {
  let pattern: RegExp;
  try {
    pattern = new RegExp(source, 'gim');
  } catch (error) {
    throw new Error(`--answer-pattern is not a valid regular expression: ${(error as Error).message}`);
  }
  if (pattern.test('')) throw new Error(`--answer-pattern /${source}/ matches the empty string, so it would match everywhere`);
  return pattern;
}
