/**
 * How one example becomes one record, for each way of getting an answer: generating text under a
 * prompt style, ranking the options by log-probability, or scoring outputs that already exist.
 */
import type { Example, TaskDefinition } from '../data/types.js';
import { isModelError } from '../models/errors.js';
import type { CallMeta, ChatMessage, LanguageModel, TokenUsage } from '../models/types.js';
import { extractAnswer, isCorrect, promptLayout, type ReadOptions } from './extract/index.js';
import { answerEditSimilarity, rougeL, sentenceBleu } from './metrics/index.js';
import { buildAnswerExtractionPrompt, buildPrompt, type PromptStyle, QUESTION_FIELDS } from './prompts.js';
import { addUsage, type ExampleRecord, ZERO_USAGE } from './records.js';
import type { ExampleEvaluator } from './runner.js';

export interface GenerationSettings {
  style: PromptStyle;
  /** A user's final-answer pattern (--answer-pattern), compiled. */
  finalAnswerPattern?: RegExp;
  maxTokens: number;
  temperature: number;
  /** Also score log P(gold answer | prompt) for every example. */
  targetLogprob?: boolean;
}

export type DemoProvider = (example: Example) => Promise<Example[]>;

/** Accumulates usage, cost and latency across the calls one example needs. */
class CallTally {
  usage: TokenUsage = ZERO_USAGE;
  costUsd = 0;
  latencyMs = 0;
  private calls = 0;
  private allCached = true;

  add(usage: TokenUsage, meta: CallMeta | undefined): void {
    this.calls += 1;
    this.usage = addUsage(this.usage, usage);
    this.costUsd += meta?.costUsd ?? 0;
    this.latencyMs += meta?.latencyMs ?? 0;
    this.allCached &&= meta?.cached ?? false;
  }

  /** Every call the example needed came from the cache (an example scored from a predictions file made none). */
  get cached(): boolean {
    return this.calls > 0 && this.allCached;
  }
}

export function generationEvaluator(model: LanguageModel, task: TaskDefinition, settings: GenerationSettings, demosFor: DemoProvider): ExampleEvaluator {
  return async (example) => {
    const tally = new CallTally();
    const demos = await demosFor(example);
    const built = buildPrompt(settings.style, task, example, demos);
    let prompt: ChatMessage[] = built.messages;
    let output: string | null = null;
    let reasoning: string | undefined;
    try {
      const first = await model.generate({
        messages: built.messages,
        stop: built.stop,
        maxTokens: settings.maxTokens,
        temperature: settings.temperature,
      });
      tally.add(first.usage, first.meta);
      output = firstText(first.completions);
      if (settings.style === 'zero-shot-cot') {
        reasoning = output;
        const second = buildAnswerExtractionPrompt(task, example, built.messages, reasoning);
        prompt = second.messages;
        const answer = await model.generate({
          messages: second.messages,
          stop: second.stop,
          maxTokens: Math.min(settings.maxTokens, 64),
          temperature: 0,
        });
        tally.add(answer.usage, answer.meta);
        output = firstText(answer.completions);
      }
      const scores: Record<string, number> = {};
      if (settings.targetLogprob) {
        const scored = await model.logprob({ messages: built.messages, continuation: ` ${example.target}` });
        tally.add(scored.usage, scored.meta);
        scores.targetLogprob = scored.logprob;
      }
      const read = { layout: promptLayout(task, example, demos, QUESTION_FIELDS), answerPattern: settings.finalAnswerPattern };
      return scoreOutput(example, task, { prompt, output, reasoning, tally, scores, read });
    } catch (error) {
      return failedRecord(example, prompt, error, tally, { output, reasoning });
    }
  };
}

/**
 * One generation under a prompt built elsewhere (the Grimoire weak-model layout, a student's raw text prompt),
 * scored with the same extraction and metrics; a failed call is an error record.
 */
export async function answerRecord(
  model: LanguageModel,
  task: TaskDefinition,
  example: Example,
  call: ({ messages: ChatMessage[] } | { prompt: string }) & { stop?: string[]; maxTokens: number; temperature: number },
  read: ReadOptions = {},
): Promise<ExampleRecord> {
  const tally = new CallTally();
  const prompt = 'messages' in call ? call.messages : call.prompt;
  try {
    const response = await model.generate(call);
    tally.add(response.usage, response.meta);
    const output = firstText(response.completions);
    return scoreOutput(example, task, { prompt, output, tally, scores: {}, read });
  } catch (error) {
    return failedRecord(example, prompt, error, tally, {});
  }
}

/**
 * Multiple-choice grade (BIG-bench style): the answer is the option the model gives the highest
 * log-probability after the prompt. Works for multiple-choice tasks and label tasks.
 */
export function logprobChoiceEvaluator(model: LanguageModel, task: TaskDefinition, style: PromptStyle, demosFor: DemoProvider): ExampleEvaluator {
  return async (example) => {
    const tally = new CallTally();
    const options = optionsOf(task, example);
    const built = buildPrompt(style, task, example, await demosFor(example));
    try {
      const logprobs: number[] = [];
      for (const option of options) {
        const scored = await model.logprob({ messages: built.messages, continuation: ` ${option}` });
        tally.add(scored.usage, scored.meta);
        logprobs.push(scored.logprob);
      }
      const best = argmaxUnique(logprobs);
      const chosen = best === null ? null : options[best]!;
      const goldIndex = options.findIndex((option) => option.toLowerCase() === example.target.toLowerCase());
      const goldLogprob = goldIndex >= 0 ? logprobs[goldIndex] : undefined;
      return {
        ...baseRecord(example, built.messages, tally),
        output: chosen,
        extracted: chosen,
        valid: chosen !== null,
        correct: best !== null && best === goldIndex,
        ...(best === null ? { invalidReason: 'tie between the highest-scoring options' } : {}),
        scores: { optionLogprobs: logprobs, ...(goldLogprob === undefined ? {} : { targetLogprob: goldLogprob }) },
      };
    } catch (error) {
      return failedRecord(example, built.messages, error, tally, {});
    }
  };
}

/** Scores outputs produced elsewhere (`--predictions`), with the same extraction and metrics. */
export function predictionsEvaluator(
  task: TaskDefinition,
  outputs: Map<number, string>,
  style: PromptStyle,
  demosFor: DemoProvider,
  answerPattern?: RegExp,
): ExampleEvaluator {
  return async (example) => {
    const output = outputs.get(example.index);
    if (output === undefined) throw new Error(`no prediction for example index ${example.index}`);
    const demos = await demosFor(example);
    const built = buildPrompt(style, task, example, demos);
    const read = { layout: promptLayout(task, example, demos, QUESTION_FIELDS), answerPattern };
    return scoreOutput(example, task, { prompt: built.messages, output, tally: new CallTally(), scores: {}, read });
  };
}

function scoreOutput(
  example: Example,
  task: TaskDefinition,
  parts: { prompt: ExampleRecord['prompt']; output: string; reasoning?: string; tally: CallTally; scores: Record<string, number>; read?: ReadOptions },
): ExampleRecord {
  const extraction = extractAnswer(parts.output, task.answer, example, parts.read);
  const correct = extraction.valid && isCorrect(extraction, example.target, task.answer, example);
  const scores = { ...parts.scores };
  if (task.answer.kind === 'free_text') {
    scores.bleu = sentenceBleu(parts.output, [example.target]);
    scores.rougeL = rougeL(parts.output, example.target).f;
  }
  if (task.answer.kind === 'number' || task.answer.kind === 'expression') {
    // Both sides in canonical form, so "7.0" and "7" are no edit apart.
    const target = extractAnswer(example.target, task.answer, example);
    scores.editSimilarity = answerEditSimilarity(
      extraction.valid ? extraction.answer : null,
      target.valid && target.answer !== null ? target.answer : example.target,
    );
  }
  // Filled in place (no spread per optional member): the keys keep baseRecord's order, the optional ones follow.
  const record = baseRecord(example, parts.prompt, parts.tally);
  record.output = parts.output;
  record.extracted = extraction.answer;
  record.valid = extraction.valid;
  record.correct = correct;
  if (parts.reasoning !== undefined) record.reasoning = parts.reasoning;
  if (!extraction.valid) record.invalidReason = extraction.reason ?? 'no answer found';
  if (extraction.pattern) record.answerPattern = extraction.pattern;
  if (extraction.cutAt) record.cutAt = extraction.cutAt;
  if (Object.keys(scores).length) record.scores = scores;
  return record;
}

function baseRecord(example: Example, prompt: ExampleRecord['prompt'], tally: CallTally): ExampleRecord {
  return {
    index: example.index,
    id: example.id,
    prompt,
    output: null,
    extracted: null,
    gold: example.target,
    valid: false,
    correct: null,
    usage: tally.usage,
    costUsd: tally.costUsd,
    latencyMs: tally.latencyMs,
    cached: tally.cached,
  };
}

/** A model failure becomes an error record (counted, retried on resume); anything else is a bug and throws. */
function failedRecord(
  example: Example,
  prompt: ExampleRecord['prompt'],
  error: unknown,
  tally: CallTally,
  partial: { output?: string | null; reasoning?: string },
): ExampleRecord {
  if (!isModelError(error)) throw error;
  return {
    ...baseRecord(example, prompt, tally),
    output: partial.output ?? null,
    ...(partial.reasoning === undefined ? {} : { reasoning: partial.reasoning }),
    cached: false,
    error: { kind: error.kind, message: error.message },
  };
}

function firstText(completions: { text: string }[]): string {
  const first = completions[0];
  if (!first) throw new Error('provider returned no completion');
  return first.text;
}

function optionsOf(task: TaskDefinition, example: Example): string[] {
  if (task.answer.kind === 'label') return task.answer.labels;
  if (example.choices?.length) return example.choices;
  throw new Error(`log-probability ranking needs a label set or per-example choices (task ${task.name})`);
}

function argmaxUnique(values: number[]): number | null {
  let best = -1;
  let tie = false;
  values.forEach((value, i) => {
    if (best < 0 || value > values[best]!) {
      best = i;
      tie = false;
    } else if (value === values[best]) tie = true;
  });
  return best < 0 || tie ? null : best;
}
