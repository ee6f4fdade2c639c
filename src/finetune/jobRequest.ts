/**
 * The body of `POST /v1/fine_tuning/jobs` as OpenAI documents it: model, training_file, validation_file,
 * suffix, seed, metadata, and the hyperparameters either at the top level (the older form) or under
 * `method: {type: "supervised", supervised: {hyperparameters}}`. LoRA settings (`lora_rank`, `lora_alpha`)
 * are Apprentice's extension of the supervised hyperparameters.
 */
import * as z from '../util/zod.js';
import type { Hyperparameters } from './types.js';

const auto = <T extends z.ZodType>(schema: T) => z.union([z.literal('auto'), schema]).optional();

const hyperparametersSchema = z
  .object({
    n_epochs: auto(z.number().int().min(1).max(50)),
    batch_size: auto(z.number().int().min(1).max(256)),
    learning_rate_multiplier: auto(z.number().positive().max(100)),
    lora_rank: z.number().int().min(1).max(256).optional(),
    lora_alpha: z.number().positive().optional(),
  })
  .strict();

export const jobRequestSchema = z
  .object({
    model: z.string().min(1),
    training_file: z.string().min(1),
    validation_file: z.string().min(1).nullish(),
    suffix: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_-]*$/, 'may hold letters, digits, "-" and "_" only')
      .nullish(),
    seed: z.number().int().min(0).max(2147483647).nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    hyperparameters: hyperparametersSchema.nullish(),
    method: z
      .object({
        type: z.literal('supervised'),
        supervised: z.object({ hyperparameters: hyperparametersSchema.optional() }).strict().optional(),
      })
      .strict()
      .nullish(),
    integrations: z.array(z.unknown()).max(0, 'integrations are not supported by this server').nullish(),
  })
  .strict();

export type JobRequest = z.output<typeof jobRequestSchema>;

export function requestedHyperparameters(request: JobRequest): Hyperparameters {
  const given = request.method?.supervised?.hyperparameters ?? request.hyperparameters ?? {};
  return {
    n_epochs: given.n_epochs ?? 'auto',
    batch_size: given.batch_size ?? 'auto',
    learning_rate_multiplier: given.learning_rate_multiplier ?? 'auto',
    ...(given.lora_rank !== undefined ? { lora_rank: given.lora_rank } : {}),
    ...(given.lora_alpha !== undefined ? { lora_alpha: given.lora_alpha } : {}),
  };
}

/** Where in the request the hyperparameters were given (for error params). */
export function hyperparametersPath(request: JobRequest): string {
  return request.method?.supervised?.hyperparameters ? 'method.supervised.hyperparameters' : 'hyperparameters';
}
