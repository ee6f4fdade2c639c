/**
 * Finish reasons: each provider's own words mapped onto the one typed FinishReason (types.ts); a word
 * with no typed equivalent becomes 'other', the provider's word kept as `rawFinishReason`. Stored answers (cache,
 * recordings) made before finish reasons were typed are read through `typedCompletions`.
 */
import type { Completion, FinishReason, GenerateResponse } from '../types.js';

const FINISH_REASONS: ReadonlySet<string> = new Set(['stop', 'length', 'content_filter', 'tool_calls', 'error', 'other']);

/** The typed reason for a provider's word; a word with no typed equivalent is 'other', the word kept as `rawFinishReason`. */
export function finishReasonFrom(
  raw: string | undefined,
  mapping: Readonly<Record<string, FinishReason>> = {},
): Pick<Completion, 'finishReason' | 'rawFinishReason'> {
  if (raw === undefined) return { finishReason: 'stop' };
  const mapped = mapping[raw];
  if (mapped) return { finishReason: mapped };
  if (FINISH_REASONS.has(raw)) return { finishReason: raw as FinishReason };
  return { finishReason: 'other', rawFinishReason: raw };
}

/** OpenAI's finish_reason values ('function_call' is the older name of 'tool_calls'). */
export const OPENAI_FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
};

/** Anthropic's stop_reason values. */
export const ANTHROPIC_FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** A stored generation answer with typed finish reasons (answers stored before they were typed may say anything). */
export function typedCompletions(response: GenerateResponse): GenerateResponse {
  if (response.completions.every((completion) => FINISH_REASONS.has(completion.finishReason))) return response;
  return {
    ...response,
    completions: response.completions.map((completion) =>
      FINISH_REASONS.has(completion.finishReason) ? completion : { ...completion, ...finishReasonFrom(completion.finishReason, OPENAI_FINISH_REASONS) },
    ),
  };
}
