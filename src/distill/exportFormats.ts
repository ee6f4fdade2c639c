/**
 * Training rows in the formats external trainers read:
 *
 * - `openai`: chat fine-tuning JSONL, `{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}`
 *   (optionally a system message first). OpenAI fine-tuning has no per-example loss weight, so
 *   rows with unequal weights (step-by-step with alpha != 0.5) are reported in `warnings`.
 * - `hf`: prompt/completion JSONL, `{"prompt", "completion"}` plus `weight` and `task` when set —
 *   the "prompt-completion" dataset format of Hugging Face TRL's SFTTrainer (loss on the
 *   completion only); the weight needs the custom loss shown in docs/distill.md.
 * - `apprentice`: the rows as they are, for `apprentice train --data`.
 */
import type { TrainingRow } from './builders.js';

export const EXPORT_FORMATS = ['apprentice', 'openai', 'hf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** openai: a system message put before every example. */
  system?: string;
}

export function exportLines(rows: readonly TrainingRow[], format: ExportFormat, options: ExportOptions = {}): { lines: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const weights = new Set(rows.map((row) => row.weight ?? 1));
  if (format === 'openai' && weights.size > 1) {
    warnings.push(
      `the rows have unequal loss weights (${[...weights].join(', ')}) but OpenAI fine-tuning weighs every example equally; ` +
        'the weights are dropped (for step-by-step this means alpha = 0.5). Use --format hf or apprentice to keep them.',
    );
  }
  const lines = rows.map((row) => {
    switch (format) {
      case 'openai':
        return JSON.stringify({
          messages: [
            ...(options.system ? [{ role: 'system', content: options.system }] : []),
            { role: 'user', content: row.prompt },
            { role: 'assistant', content: row.completion.trim() },
          ],
        });
      case 'hf':
      case 'apprentice':
        return JSON.stringify({
          prompt: row.prompt,
          completion: row.completion,
          ...(row.weight === undefined ? {} : { weight: row.weight }),
          ...(row.task === undefined ? {} : { task: row.task }),
        });
    }
  });
  return { lines, warnings };
}
