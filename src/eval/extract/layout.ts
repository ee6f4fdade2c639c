/**
 * Run-on cutting. Few-shot completions often keep going after their answer into an invented next
 * example written in the prompt's own layout ("\n\nPremise: ...", "\nReview: ...", "\nQ: ..."), or
 * into a new chat turn; its answer would otherwise be read as the model's. The layout's field
 * prefixes come from what built the prompt: the task's input template, the line prefixes of the
 * example's and the demonstrations' inputs, the prompt layout's own question fields, plus common
 * generic ones. A prefix cuts the output when it starts a new line, except where it only restates
 * the question being answered (the same text as a line of the example's input) before any final
 * answer was stated, or opens the output.
 */
import { normalizeAnswerText } from './text.js';

/** The field names of a prompt's layout, used to cut an output that runs on into an invented next example. */
export interface AnswerLayout {
  /** Field names that open a new example when they start a line ("Premise", "Q", "Question"...). */
  fields: string[];
}

/** Field names any few-shot layout tends to use for its inputs, and chat role markers. */
export const GENERIC_FIELDS = [
  'Q',
  'Question',
  'Input',
  'Premise',
  'Hypothesis',
  'Review',
  'Sentence',
  'Passage',
  'Problem',
  'Text',
  'Please answer',
  'User',
  'Human',
  '### Human',
  '### User',
  '### Instruction',
  '### Input',
];

/** Chat-template markers that end the model's turn wherever they appear. */
const END_OF_TURN = /<\|(?:im_end|eot_id|endoftext|end|im_start|user|start_header_id)\|>|<\/s>|<end_of_turn>|<start_of_turn>|\[INST\]/;

/** Field names that introduce the answer, never a new example. */
const ANSWER_SIDE =
  /^(?:a|answer\b.*|final answer|the answer|explanation|rationale|reasoning|reason|solution|thought|thoughts|step\b.*|therefore|so|output|note)$/i;

/** A field prefix at the start of a line: "Premise:", "**Review:**", "Question 3:", "### Input:". */
const LINE_FIELD = /^[ \t>*_]{0,8}((?:#{1,4}[ \t]*)?[A-Za-z][A-Za-z0-9'()/ -]{0,30}?)(?:[ \t]*\d{1,3})?[ \t]*[*_]*[ \t]*:/gm;

/** The field names used at the start of lines of `text` (an input template or a rendered input). */
export function fieldPrefixes(text: string): string[] {
  if (!text.includes(':')) return [];
  const names = new Set<string>();
  LINE_FIELD.lastIndex = 0;
  // exec, not matchAll: matchAll copies the expression on every call.
  for (let match = LINE_FIELD.exec(text); match; match = LINE_FIELD.exec(text)) {
    const name = match[1]!.trim();
    if (name.split(/\s+/).length <= 3 && !ANSWER_SIDE.test(name)) names.add(name);
  }
  return [...names];
}

/**
 * The layout of one prompt: `fields` names the layout's own question fields (e.g. "Question"),
 * `inputs` the example's and the demonstrations' inputs, `template` the task's input template.
 * Prompts of one evaluation mostly share their layout: equal layouts are one (frozen) object, so what is
 * made from a layout (its line patterns) is made once.
 */
export function answerLayout(parts: { fields?: string[]; inputs?: string[]; template?: string }): AnswerLayout {
  const base = baseLayout(parts.fields ?? [], parts.template);
  let extra: string[] | undefined;
  for (const input of parts.inputs ?? []) {
    for (const name of fieldPrefixes(input)) {
      if (!base.names.has(name) && !extra?.includes(name)) (extra ??= []).push(name);
    }
  }
  if (!extra) return base.layout;
  const key = extra.join('\u0000');
  let layout = base.withExtra.get(key);
  if (!layout) {
    layout = Object.freeze({ fields: Object.freeze([...base.layout.fields, ...extra]) as string[] });
    if (base.withExtra.size >= 256) base.withExtra.clear();
    base.withExtra.set(key, layout);
  }
  return layout;
}

interface BaseLayout {
  /** The generic fields, the layout's own and the template's, in that order. */
  layout: AnswerLayout;
  names: ReadonlySet<string>;
  /** The layout with the field names of inputs added, by those names. */
  withExtra: Map<string, AnswerLayout>;
}

/** By the layout's own fields and the template. */
const baseLayouts = new Map<string, BaseLayout>();

function baseLayout(fields: readonly string[], template: string | undefined): BaseLayout {
  const key = `${fields.join('\u0000')}\u0001${template ?? ''}`;
  let base = baseLayouts.get(key);
  if (!base) {
    const names = new Set<string>([...GENERIC_FIELDS, ...fields]);
    if (template) for (const name of fieldPrefixes(template)) names.add(name);
    base = { layout: Object.freeze({ fields: Object.freeze([...names]) as string[] }), names, withExtra: new Map() };
    if (baseLayouts.size >= 256) baseLayouts.clear();
    baseLayouts.set(key, base);
  }
  return base;
}

export const GENERIC_LAYOUT: AnswerLayout = answerLayout({});

export interface Cut {
  /** The output up to the run-on (all of it when nothing was cut). */
  body: string;
  /** What cut it ("Premise:", "<|im_end|>"), or null. */
  cutAt: string | null;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface LinePatterns {
  long: RegExp | null;
  short: RegExp | null;
}

const patternCache = new Map<string, LinePatterns>();
const patternsOfLayout = new WeakMap<AnswerLayout, LinePatterns>();

/** One regex for single-letter fields (case-sensitive: "Q:" but not "q:") and one for the rest. */
function linePatterns(layout: AnswerLayout): LinePatterns {
  let patterns = patternsOfLayout.get(layout);
  if (patterns) return patterns;
  const key = layout.fields.join('\u0000');
  patterns = patternCache.get(key);
  if (!patterns) {
    const build = (names: string[], flags: string) =>
      names.length ? new RegExp(String.raw`^[ \t>*_]{0,8}(${names.map(escape).join('|')})(?:[ \t]*\d{1,3})?[ \t]*[*_]*[ \t]*:`, flags) : null;
    const sorted = [...layout.fields].sort((a, b) => b.length - a.length);
    patterns = {
      long: build(
        sorted.filter((f) => f.length > 1),
        'gim',
      ),
      short: build(
        sorted.filter((f) => f.length === 1),
        'gm',
      ),
    };
    if (patternCache.size > 256) patternCache.clear();
    patternCache.set(key, patterns);
  }
  patternsOfLayout.set(layout, patterns);
  return patterns;
}

/**
 * `output` up to the first run-on. `input` is the example's input: a field line that repeats one of
 * its lines is the model restating the question, not a new example, unless an answer was already
 * stated before it (`answeredBy` gives the offset of the first final-answer statement, or -1).
 */
export function cutRunOn(output: string, layout: AnswerLayout, input: string, answeredBy: (text: string) => number): Cut {
  let cutIndex = output.length;
  let cutAt: string | null = null;
  const end = END_OF_TURN.exec(output);
  if (end) {
    cutIndex = end.index;
    cutAt = end[0];
  }
  const { long, short } = linePatterns(layout);
  const candidates: { index: number; name: string; contentFrom: number }[] = [];
  for (const pattern of [long, short]) {
    if (!pattern) continue;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(output); match; match = pattern.exec(output)) {
      if (match.index >= cutIndex) break;
      candidates.push({ index: match.index, name: match[1]!, contentFrom: match.index + match[0].length });
      // A real output has a handful of field lines; a degenerate one is not read past this many.
      if (candidates.length > 1000) break;
    }
  }
  candidates.sort((a, b) => a.index - b.index);
  let firstAnswer: number | undefined;
  let restated: Set<string> | undefined;
  for (const candidate of candidates) {
    if (candidate.index >= cutIndex) break;
    // A field opening the output is the model's own layout ("Problem: ... Answer: 18"), never a run-on.
    if (!output.slice(0, candidate.index).trim()) continue;
    const lineEndAt = output.indexOf('\n', candidate.contentFrom);
    const content = normalizeAnswerText(output.slice(candidate.contentFrom, lineEndAt < 0 ? undefined : Math.min(lineEndAt, candidate.contentFrom + 400)));
    restated ??= inputLines(input);
    if (content && restated.has(content.slice(0, 60))) {
      firstAnswer ??= answeredBy(output.slice(0, cutIndex));
      if (firstAnswer < 0 || firstAnswer > candidate.index) continue;
    }
    cutIndex = candidate.index;
    cutAt = `${candidate.name}:`;
    break;
  }
  return { body: output.slice(0, cutIndex), cutAt };
}

/** The first 60 characters (normal form) of every line of the input, with and without its field prefix. */
function inputLines(input: string): Set<string> {
  const lines = new Set<string>();
  for (const line of input.slice(0, 100_000).split('\n')) {
    const whole = normalizeAnswerText(line);
    if (whole) lines.add(whole.slice(0, 60));
    const colon = line.indexOf(':');
    if (colon > 0 && colon < 40) {
      const value = normalizeAnswerText(line.slice(colon + 1));
      if (value) lines.add(value.slice(0, 60));
    }
  }
  return lines;
}
