/**
 * A teacher's chain-of-thought completion split into what distillation needs: the rationale (the
 * reasoning before the final answer sentence), the answer as the teacher wrote it, and the answer in
 * canonical form as the evaluation harness extracts it. A completion that runs on into an invented
 * next question ("\n\nQ: ...", as PaLM's do) is cut first, so nothing after it counts.
 */
import type { Example, TaskDefinition } from '../data/types.js';
import { cutInventedContinuation, extractAnswer, type Extraction } from '../eval/extract/index.js';
import { optionLetter } from '../eval/extract/choices.js';
import { expressionValue } from '../eval/extract/expression.js';
import { numbersClose } from '../eval/extract/numbers.js';

export interface ParsedChain {
  /** The completion up to any invented continuation, trimmed. */
  body: string;
  /** True when an invented continuation was cut off. */
  cut: boolean;
  /** The reasoning before the final answer sentence ("" when there is none). */
  rationale: string;
  /** The answer as written after the last "the answer is" (e.g. "(10 * 45)", "(c) wooded area"), or null. */
  answerText: string | null;
  /** The canonical answer the evaluation harness extracts from the body. */
  extraction: Extraction;
}

/**
 * "So the answer is", "Therefore, the answer is", "The answer is", "Answer:", GSM8K's "####". The sentence-opening
 * words belong to the answer sentence, not to the rationale.
 */
const FINAL_ANSWER = /(?:\b(?:so|thus|therefore|hence)\s*,?\s+)?\bthe\s+(?:final\s+)?answer\s+is\s*:?|\banswer\s*:|####/gi;

export function parseChain(output: string, task: TaskDefinition, example: Example): ParsedChain {
  const cutText = cutInventedContinuation(output);
  const body = cutText.trim();
  const cut = cutText.length < output.length;
  let start = -1;
  let end = -1;
  for (const match of body.matchAll(FINAL_ANSWER)) {
    start = match.index;
    end = match.index + match[0].length;
  }
  const rationale = (start < 0 ? body : body.slice(0, start)).trim();
  const answerText = end < 0 ? null : firstSentence(body.slice(end));
  return { body, cut, rationale, answerText: answerText || null, extraction: extractAnswer(body, task.answer, example) };
}

/** "(10 * 45). So ..." -> "(10 * 45)"; "(c) wooded area." -> "(c) wooded area". Decimal points survive. */
function firstSentence(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  const stop = /\.(?:\s|$)/.exec(line);
  return (stop ? line.slice(0, stop.index) : line).trim();
}

/**
 * How an answer is written in a training completion, per answer type: an expression as the
 * teacher wrote it when it has the extracted value (else the value), a multiple-choice answer as
 * "(c) wooded area", anything else in canonical form.
 */
export function writtenLabel(task: TaskDefinition, example: Example, canonical: string, asWritten?: string | null): string {
  switch (task.answer.kind) {
    case 'expression': {
      if (asWritten) {
        const written = expressionValue(asWritten);
        const value = expressionValue(canonical);
        if (written !== null && value !== null && numbersClose(written, value)) return tidyExpression(asWritten);
      }
      return tidyExpression(canonical);
    }
    case 'multiple_choice': {
      const choices = example.choices ?? [];
      const index = choices.findIndex((choice) => choice.trim().toLowerCase() === canonical.trim().toLowerCase());
      return index >= 0 ? `(${optionLetter(index)}) ${choices[index]}` : canonical;
    }
    default:
      return canonical;
  }
}

/** SVAMP's "( 10.0 - ( 6.0 + 3.0 ) )" -> "(10 - (6 + 3))"; other text is only trimmed. */
export function tidyExpression(text: string): string {
  return text
    .trim()
    .replace(/(\d+)\.0+\b/g, '$1')
    .replace(/\(\s+/g, '(')
    .replace(/\s+\)/g, ')')
    .replace(/\s+/g, ' ');
}
