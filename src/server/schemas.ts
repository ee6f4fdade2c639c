/**
 * The OpenAI request bodies the server accepts, validated with zod. Fields the server does not use
 * are ignored (clients send many); features it cannot honour (tools, several completions per
 * streamed request, top_logprobs...) are refused with a 400 naming the field.
 */
import { z } from 'zod';

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullish();

const sampling = {
  model: z.string().min(1),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  n: z.number().int().min(1).max(16).nullish(),
  stop,
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
};

const textPart = z.object({ type: z.literal('text'), text: z.string() });

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]),
});

export const chatCompletionSchema = z.object({
  ...sampling,
  messages: z.array(message).min(1),
  max_completion_tokens: z.number().int().positive().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().max(0, 'top_logprobs is not supported').nullish(),
  tools: z.array(z.unknown()).max(0, 'tools are not supported by this server').nullish(),
  functions: z.array(z.unknown()).max(0, 'functions are not supported by this server').nullish(),
});

export const completionSchema = z.object({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
  echo: z.boolean().nullish(),
  suffix: z.string().max(0, 'suffix is not supported').nullish(),
  logprobs: z.number().int().max(0, 'logprobs on /v1/completions is not supported').nullish(),
});

export type ChatCompletionBody = z.output<typeof chatCompletionSchema>;
export type CompletionBody = z.output<typeof completionSchema>;
