/**
 * A teacher's chain-of-thought completion split into what distillation needs: the rationale (the
 * reasoning before the final answer statement), the answer as the teacher wrote it, and the answer
 * in canonical form. The evaluation harness's one extractor does the reading (eval/extract), so an
 * import, an annotation and `eval --predictions` give the same answer for the same text; a
 * completion that runs on into an invented next example in the prompt's layout is cut first.
 */
import type { Example, TaskDefinition } from '../data/types.js';
import { extractAnswer, promptLayout, type Extraction, type ReadOptions } from '../eval/extract/index.js';
import { optionLetter } from '../eval/extract/choices.js';
import { expressionValue } from '../eval/extract/expression.js';
import { firstSentence, numbersClose } from '../eval/extract/numbers.js';
import { QUESTION_FIELDS } from '../eval/prompts.js';

export interface ParsedChain {
  /** The completion up to any invented continuation, trimmed. */
  body: string;
  /** True when an invented continuation was cut off. */
  cut: boolean;
  /** The reasoning before the final answer statement (the whole body when nothing states one). */
  rationale: string;
  /** The answer as written in its final statement (e.g. "(10 * 45)", "(c) wooded area"), or null. */
  answerText: string | null;
  /** The canonical answer the evaluation harness extracts. */
  extraction: Extraction;
}

/**
 * `read.layout` is the teacher prompt's layout; by default the harness's chain-of-thought layout
 * for this example (its "Question:" field and the input's own field prefixes).
 */
export function parseChain(output: string, task: TaskDefinition, example: Example, read: ReadOptions = {}): ParsedChain {
  const layout = read.layout ?? promptLayout(task, example, [], QUESTION_FIELDS);
  const extraction = extractAnswer(output, task.answer, example, { ...read, layout });
  const body = extraction.body ?? output;
  const statement = extraction.statement;
  const rationale = (statement ? body.slice(0, statement.start) : body).trim();
  const answerText = statement ? firstSentence(statement.written.trim().split('\n')[0] ?? '') : '';
  return { body: body.trim(), cut: extraction.cutAt !== undefined, rationale, answerText: answerText || null, extraction };
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
