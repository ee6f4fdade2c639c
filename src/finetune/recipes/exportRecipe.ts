/**
 * `apprentice finetune --export trl|axolotl`: the training data (validated like an upload, copied as
 * data/train.jsonl and data/validation.jsonl) and a ready recipe for the trainer, with a README.md that says
 * what to run. Paths in the recipe are relative to the export folder, so it can be copied to a GPU machine.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { parseFineTuneFile, type FineTuneLine } from '../fileFormat.js';
import { axolotlRecipe } from './axolotl.js';
import type { Recipe, RecipeSettings } from './recipe.js';
import { trlRecipe } from './trl.js';

export const RECIPE_FORMATS = ['trl', 'axolotl'] as const;
export type RecipeFormat = (typeof RECIPE_FORMATS)[number];

export interface ExportOptions {
  format: RecipeFormat;
  data: string;
  validation?: string;
  out: string;
  baseModel: string;
  epochs: number;
  learningRate?: number;
  batchSize: number;
  sequenceLength: number;
  /** null: full fine-tuning. */
  loraRank: number | null;
  seed: number;
}

async function readLines(file: string): Promise<{ text: string; lines: FineTuneLine[] }> {
  const text = await readFile(file, 'utf8');
  try {
    return { text, lines: parseFineTuneFile(text) };
  } catch (error) {
    if (error instanceof InputError) throw new InputError(error.message, { file });
    throw error;
  }
}

export async function exportRecipe(options: ExportOptions): Promise<{ files: string[]; commands: string[] }> {
  const train = await readLines(options.data);
  const validation = options.validation ? await readLines(options.validation) : undefined;
  const dataKind = train.lines[0]!.kind === 'chat' ? 'messages' : 'prompt-completion';
  if (validation && validation.lines[0]!.kind !== train.lines[0]!.kind) {
    throw new InputError('holds another kind of example than --data', { file: options.validation });
  }
  const microBatchSize = Math.min(options.batchSize, 4);
  const settings: RecipeSettings = {
    baseModel: options.baseModel,
    dataKind,
    trainFile: 'data/train.jsonl',
    ...(validation ? { validationFile: 'data/validation.jsonl' } : {}),
    epochs: options.epochs,
    // LoRA trains well at a higher rate than all weights (TRL and Axolotl examples use 2e-4 and 2e-5).
    learningRate: options.learningRate ?? (options.loraRank !== null ? 2e-4 : 2e-5),
    microBatchSize,
    gradientAccumulation: Math.max(1, Math.round(options.batchSize / microBatchSize)),
    sequenceLength: options.sequenceLength,
    lora: options.loraRank !== null ? { rank: options.loraRank, alpha: options.loraRank * 2, dropout: 0.05 } : null,
    seed: options.seed,
    outputDir: 'outputs',
  };
  const recipe: Recipe = options.format === 'trl' ? trlRecipe(settings) : axolotlRecipe(settings);
  const files = [
    { path: 'data/train.jsonl', content: train.text },
    ...(validation ? [{ path: 'data/validation.jsonl', content: validation.text }] : []),
    ...recipe.files,
    { path: 'README.md', content: readme(options, recipe, train.lines.length) },
  ];
  for (const file of files) {
    await mkdir(join(options.out, file.path, '..'), { recursive: true });
    await writeFile(join(options.out, file.path), file.content);
  }
  return { files: files.map((file) => join(options.out, file.path)), commands: recipe.commands };
}

function readme(options: ExportOptions, recipe: Recipe, examples: number): string {
  const trainer = options.format === 'trl' ? "Hugging Face TRL's SFTTrainer" : 'Axolotl';
  return [
    `# Fine-tune ${options.baseModel} with ${trainer}`,
    '',
    `Written by \`apprentice finetune --export ${options.format}\` from ${examples} examples of ${options.data}` +
      `${options.loraRank !== null ? ` (LoRA rank ${options.loraRank})` : ' (all weights)'}, ${options.epochs} epochs.`,
    'On a machine with a CUDA GPU, from this folder:',
    '',
    '```sh',
    ...recipe.commands,
    '```',
    '',
    'The trained model is written to `outputs/`. Evaluate it with `apprentice eval --model <spec of the served model>` ' +
      '(e.g. served by vLLM: `openai:<name>@http://host:8000/v1`), or convert it to GGUF and use `gguf:<file>`.',
    '',
  ].join('\n');
}
