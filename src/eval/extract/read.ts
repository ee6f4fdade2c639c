/**
 * The one way an output becomes an answer, for every answer type and every caller (eval, eval
 * --predictions, distill annotate and import, grimoire, scaling):
 *
 * 1. cut the run-on: an invented next example in the prompt's layout, or a new chat turn (layout.ts);
 * 2. cap what is read (text.ts: READ_LIMIT);
 * 3. read the final-answer statements (a user's --answer-pattern first, then "####", \boxed{},
 *    "Final answer:", "the answer is", "Answer:", "A:"); the last one wins, and two statements
 *    giving different answers make the output invalid rather than a guess;
 * 4. else emphasised spans ("**18**") that are nothing but an answer, under the same rule;
 * 5. else a last line that is nothing but an answer;
 * 6. else what the whole output says (the label it asserts, its last number...), but only when it
 *    does not end mid-sentence: an unfinished chain has no answer.
 *
 * The extraction records which pattern read the answer and what cut the output.
 */
import { cutRunOn, GENERIC_LAYOUT, type AnswerLayout } from './layout.js';
import { emphasisStatements, firstStatementAt, markedStatements, type Statement } from './statements.js';
import { cappedText, endsComplete, lastLine, READ_LIMIT } from './text.js';
import type { AnswerReader, Extraction } from './types.js';

/** Options of {@link extractAnswer}: the prompt's layout and a user's answer pattern. */
export interface ReadOptions {
  /** The prompt's layout, for run-on cutting (default: the generic field names). */
  layout?: AnswerLayout;
  /** A user's final-answer pattern (compileAnswerPattern), tried before the built-in markers. */
  answerPattern?: RegExp;
}

export function readAnswer(output: string, reader: AnswerReader, input: string, options: ReadOptions = {}): Extraction {
  const firstStatement = (text: string) => {
    const head = text.slice(0, READ_LIMIT);
    const starts = [firstStatementAt(head), options.answerPattern ? firstStatementAt(head, options.answerPattern) : -1].filter((at) => at >= 0);
    return starts.length ? Math.min(...starts) : -1;
  };
  const { body: cutBody, cutAt } = cutRunOn(output, options.layout ?? GENERIC_LAYOUT, input, firstStatement);
  const { text: body, capped } = cappedText(cutBody.trimEnd());
  const context = { body, ...(cutAt ? { cutAt } : {}) };
  if (!body.trim()) {
    return { answer: null, valid: false, reason: cutAt ? `nothing before the run-on cut at "${cutAt}"` : 'empty output', ...context };
  }

  const tiers: Statement[][] = [];
  if (options.answerPattern) tiers.push(markedStatements(body, options.answerPattern));
  tiers.push(markedStatements(body));
  for (const statements of tiers) {
    const decided = decide(statements, (s) => reader.stated(s.text), reader, context);
    if (decided) return decided;
  }
  const emphasised = decide(emphasisStatements(body), (s) => reader.bare(s.text), reader, context);
  if (emphasised) return emphasised;
  const last = lastLine(body);
  if (last) {
    const reading = reader.bare(last.line);
    if (reading && 'answer' in reading)
      return { answer: reading.answer, valid: true, pattern: 'last line', statement: { start: last.start, written: last.line.trim() }, ...context };
  }
  const singleLine = !body.trim().includes('\n') && body.length <= 300;
  if (!singleLine && !endsComplete(body)) {
    const why = capped
      ? `the output is ${cutBody.length} characters (only the first and last ${READ_LIMIT / 2} are read)`
      : 'it ends mid-sentence (cut off at the token limit?)';
    return { answer: null, valid: false, reason: `no stated final answer, and ${why}`, ...context };
  }
  const reading = reader.unstated(body);
  if ('answer' in reading) return { answer: reading.answer, valid: true, pattern: 'whole output', ...context };
  return { answer: null, valid: false, reason: reading.invalid, ...context };
}

/**
 * The answer a list of statements gives: the last readable one, provided every readable one agrees;
 * null when none is readable (the next tier decides).
 */
function decide(
  statements: Statement[],
  read: (statement: Statement) => ReturnType<AnswerReader['stated']>,
  reader: AnswerReader,
  context: { body: string; cutAt?: string },
): Extraction | null {
  const answers: { statement: Statement; answer: string }[] = [];
  let lastInvalid: { statement: Statement; reason: string } | null = null;
  for (const statement of statements) {
    const reading = read(statement);
    if (!reading) continue;
    if ('answer' in reading) answers.push({ statement, answer: reading.answer });
    else lastInvalid = { statement, reason: reading.invalid };
  }
  const final = answers[answers.length - 1];
  if (!final) {
    if (!lastInvalid) return null;
    return { answer: null, valid: false, reason: lastInvalid.reason, pattern: lastInvalid.statement.pattern, ...context };
  }
  const different = answers.find((a) => !reader.same(a.answer, final.answer));
  if (different) {
    return {
      answer: null,
      valid: false,
      reason: `the output states different final answers (${different.answer} after "${different.statement.pattern}", then ${final.answer} after "${final.statement.pattern}")`,
      pattern: final.statement.pattern,
      ...context,
    };
  }
  return {
    answer: final.answer,
    valid: true,
    pattern: final.statement.pattern,
    statement: { start: final.statement.start, written: final.statement.text },
    ...context,
  };
}
