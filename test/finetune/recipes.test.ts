/** `finetune --export trl|axolotl`: the data copied, and recipes whose YAML parses with the fields each trainer reads. */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportRecipe, type ExportOptions } from '../../src/finetune/recipes/exportRecipe.js';
import { chatTrainingJsonl, tempDir } from './support.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let base: ExportOptions;
beforeEach(async () => {
  dir = await tempDir();
  await writeFile(join(dir.path, 'train.jsonl'), chatTrainingJsonl());
  await writeFile(join(dir.path, 'valid.jsonl'), chatTrainingJsonl(3));
  base = {
    format: 'trl',
    data: join(dir.path, 'train.jsonl'),
    out: join(dir.path, 'out'),
    baseModel: 'Qwen/Qwen2.5-0.5B-Instruct',
    epochs: 2,
    batchSize: 16,
    sequenceLength: 1024,
    loraRank: 8,
    seed: 3,
  };
});
afterEach(() => dir.remove());

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe('TRL recipe', () => {
  it('writes the data, sft_config.yaml with SFTConfig fields and LoRA, a script that parses, and the commands', async () => {
    const result = await exportRecipe({ ...base, validation: join(dir.path, 'valid.jsonl') });
    expect(await readFile(join(base.out, 'data/train.jsonl'), 'utf8')).toBe(chatTrainingJsonl());
    expect(await readFile(join(base.out, 'data/validation.jsonl'), 'utf8')).toBe(chatTrainingJsonl(3));
    const config = parse(await readFile(join(base.out, 'sft_config.yaml'), 'utf8'));
    expect(config).toEqual({
      model: 'Qwen/Qwen2.5-0.5B-Instruct',
      data: { train: 'data/train.jsonl', validation: 'data/validation.jsonl' },
      lora: { r: 8, alpha: 16, dropout: 0.05 },
      training: expect.objectContaining({
        output_dir: 'outputs',
        num_train_epochs: 2,
        learning_rate: 2e-4,
        per_device_train_batch_size: 4,
        gradient_accumulation_steps: 4,
        max_length: 1024,
        seed: 3,
        eval_strategy: 'epoch',
      }),
    });
    expect(config.training).not.toHaveProperty('completion_only_loss'); // chat data: the assistant turns, through the chat template
    expect(result.commands).toEqual(['pip install "trl>=0.20" peft datasets pyyaml accelerate', 'accelerate launch train_sft.py sft_config.yaml']);
    const readme = await readFile(join(base.out, 'README.md'), 'utf8');
    expect(readme).toContain('accelerate launch train_sft.py sft_config.yaml');
    if (hasPython()) {
      execFileSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', join(base.out, 'train_sft.py')]);
    }
  });

  it('trains prompt/completion data on the completions, and all weights without LoRA', async () => {
    await writeFile(base.data, '{"prompt": "2+2=", "completion": "4"}\n');
    await exportRecipe({ ...base, loraRank: null });
    const config = parse(await readFile(join(base.out, 'sft_config.yaml'), 'utf8'));
    expect(config.lora).toBeNull();
    expect(config.training).toMatchObject({ completion_only_loss: true, learning_rate: 2e-5 });
  });
});

describe('Axolotl recipe', () => {
  it('reads chat data with the chat_template type and trains a LoRA adapter', async () => {
    const result = await exportRecipe({ ...base, format: 'axolotl' });
    const config = parse(await readFile(join(base.out, 'config.yml'), 'utf8'));
    expect(config).toMatchObject({
      base_model: 'Qwen/Qwen2.5-0.5B-Instruct',
      datasets: [{ path: 'data/train.jsonl', type: 'chat_template', field_messages: 'messages', roles_to_train: ['assistant'] }],
      val_set_size: 0,
      adapter: 'lora',
      lora_r: 8,
      lora_alpha: 16,
      lora_target_linear: true,
      micro_batch_size: 4,
      gradient_accumulation_steps: 4,
      num_epochs: 2,
      sequence_len: 1024,
      seed: 3,
      output_dir: 'outputs',
    });
    expect(result.commands).toEqual(['pip install axolotl', 'axolotl preprocess config.yml', 'axolotl train config.yml']);
  });

  it('maps prompt/completion data to instruction and output fields', async () => {
    await writeFile(base.data, '{"prompt": "2+2=", "completion": "4"}\n');
    await exportRecipe({ ...base, format: 'axolotl', loraRank: null });
    const config = parse(await readFile(join(base.out, 'config.yml'), 'utf8'));
    expect(config.datasets[0].type).toEqual({
      field_instruction: 'prompt',
      field_output: 'completion',
      format: '{instruction}',
      no_input_format: '{instruction}',
    });
    expect(config).not.toHaveProperty('adapter');
  });

  it('refuses data that is not valid fine-tuning JSONL, naming the file and line', async () => {
    await writeFile(base.data, '{"prompt": "x"}\n');
    await expect(exportRecipe({ ...base, format: 'axolotl' })).rejects.toThrow(/train\.jsonl.*line 1.*field "completion": is missing/);
  });
});
