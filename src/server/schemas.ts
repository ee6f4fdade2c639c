/**
 * The OpenAI request bodies the server accepts, validated with zod. Every field of OpenAI's API is either
 * honoured or refused with a 400 naming it: fields this server cannot honour (tools, audio, penalties...)
 * are refused with the reason, and fields OpenAI does not define at all are refused as unknown, so nothing
 * a client asks for is ignored silently. Only fields that change nothing about the answer (`user`,
 * `safety_identifier`, `prompt_cache_key`, `service_tier`) are accepted and unused.
 */
import * as z from '../util/zod.js';

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullish();

/** A field that must be absent (or null) because this server cannot honour it. */
const refused = (why: string) =>
  z
    .unknown()
    .optional()
    .refine((value) => value === undefined || value === null, { message: why });
/** A numeric setting only its neutral value of which can be honoured. */
const neutralOnly = (neutral: number, why: string) =>
  z
    .number()
    .refine((value) => value === neutral, { message: why })
    .nullish();

const common = {
  model: z.string().min(1),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  n: z.number().int().min(1).max(16).nullish(),
  stop,
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).strict().nullish(),
  /** Stored with the exchange when the server captures traffic (`--store`). */
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  service_tier: z.string().nullish(),
  presence_penalty: neutralOnly(0, 'presence_penalty is not supported by this server (only 0)'),
  frequency_penalty: neutralOnly(0, 'frequency_penalty is not supported by this server (only 0)'),
  logit_bias: z
    .record(z.string(), z.number())
    .refine((bias) => Object.keys(bias).length === 0, { message: 'logit_bias is not supported by this server' })
    .nullish(),
};

const textPart = z.object({ type: z.literal('text'), text: z.string() }).strict();

const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant']),
    content: z.union([z.string(), z.array(textPart)]),
    name: z.string().nullish(),
  })
  .strict();

const jsonSchemaFormat = z
  .object({
    name: z.string().min(1).max(64),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullish(),
    strict: z.boolean().nullish(),
  })
  .strict();

const responseFormat = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('text') }).strict(),
    z.object({ type: z.literal('json_object') }).strict(),
    z.object({ type: z.literal('json_schema'), json_schema: jsonSchemaFormat }).strict(),
  ])
  .nullish();

export const chatCompletionSchema = z
  .object({
    ...common,
    messages: z.array(message).min(1),
    max_completion_tokens: z.number().int().positive().nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    response_format: responseFormat,
    /** Accepted: with `--store` every exchange is stored anyway; without it, `store: true` is refused. */
    store: z.boolean().nullish(),
    tools: refused('tools are not supported by this server'),
    tool_choice: refused('tool_choice is not supported by this server (no tools)'),
    parallel_tool_calls: refused('parallel_tool_calls is not supported by this server (no tools)'),
    functions: refused('functions are not supported by this server'),
    function_call: refused('function_call is not supported by this server'),
    audio: refused('audio output is not supported by this server'),
    modalities: z
      .array(z.string())
      .refine((list) => list.every((m) => m === 'text'), { message: 'only the text modality is supported by this server' })
      .nullish(),
    prediction: refused('predicted outputs are not supported by this server'),
    reasoning_effort: refused('reasoning_effort is not supported by this server'),
    web_search_options: refused('web search is not supported by this server'),
    verbosity: refused('verbosity is not supported by this server'),
  })
  .strict()
  .superRefine((body, context) => {
    if (body.top_logprobs && !body.logprobs) {
      context.addIssue({ code: 'custom', path: ['top_logprobs'], message: 'top_logprobs needs logprobs: true' });
    }
  });

export const completionSchema = z
  .object({
    ...common,
    prompt: z.union([z.string(), z.array(z.string()).min(1)]),
    echo: z.boolean().nullish(),
    /** OpenAI's legacy field: how many top alternatives per token (0-5); 0 gives the chosen tokens' log-probabilities. */
    logprobs: z.number().int().min(0).max(5).nullish(),
    best_of: neutralOnly(1, 'best_of is not supported by this server (only 1)'),
    suffix: z.string().max(0, 'suffix is not supported').nullish(),
  })
  .strict();

export const embeddingSchema = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.string()).min(1)], {
      message: 'input must be a string or an array of strings (token arrays are not supported by this server)',
    }),
    encoding_format: z.enum(['float', 'base64']).nullish(),
    dimensions: refused("dimensions is not supported by this server (vectors come in the model's own size)"),
    user: z.string().nullish(),
  })
  .strict();

export type ChatCompletionBody = z.output<typeof chatCompletionSchema>;
export type CompletionBody = z.output<typeof completionSchema>;
export type EmbeddingBody = z.output<typeof embeddingSchema>;
