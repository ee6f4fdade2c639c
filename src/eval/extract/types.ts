/** What extraction found in one model output. */
export interface Extraction {
  /** The answer in canonical form (label, option text, number as text, free text), or null. */
  answer: string | null;
  /** False when no usable answer was found; `reason` then says why. */
  valid: boolean;
  reason?: string;
  /** Which pattern read the answer ("the answer is", "####", "emphasis", "last line", "custom"...). */
  pattern?: string;
  /** What cut the output before reading ("Premise:", "<|im_end|>"), when a run-on was cut. */
  cutAt?: string;
  /** The text that was read: the output up to the run-on (capped when very long). */
  body?: string;
  /** The final-answer statement read, as an offset into `body` and as written ("(c) wooded area"). */
  statement?: { start: number; written: string };
}

export function found(answer: string): Extraction {
  return { answer, valid: true };
}

export function notFound(reason: string): Extraction {
  return { answer: null, valid: false, reason };
}

/** What a reader makes of one span of text: an answer, or a reason there is none usable. */
export type Reading = { answer: string } | { invalid: string };

/**
 * How one answer type reads text. The pipeline (read.ts) decides which span to give it: a marked
 * final-answer statement, an emphasised span or the last line, or the whole output.
 */
export interface AnswerReader {
  /** The answer a final-answer marker introduces, read from the start of `text`; null when it gives none. */
  stated(text: string): Reading | null;
  /** `text` when it is nothing but an answer ("18", "Positive", "(c)"), else null. */
  bare(text: string): Reading | null;
  /** What an output that states no answer still says (the whole of it), or why it is unusable. */
  unstated(text: string): Reading;
  /** Two canonical answers mean the same. */
  same(a: string, b: string): boolean;
}
