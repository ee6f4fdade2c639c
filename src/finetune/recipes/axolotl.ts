/**
 * An Axolotl recipe: one config.yml. Chat data is read with Axolotl's chat_template dataset type (the
 * model's own template; loss on the assistant turns); prompt/completion data with a user-defined format
 * (the prompt as the instruction, the completion as the output, loss on the output only).
 */
import { stringify } from 'yaml';
import type { Recipe, RecipeSettings } from './recipe.js';

function datasetEntry(settings: RecipeSettings, path: string) {
  return settings.dataKind === 'messages'
    ? { path, type: 'chat_template', field_messages: 'messages', roles_to_train: ['assistant'] }
    : { path, type: { field_instruction: 'prompt', field_output: 'completion', format: '{instruction}', no_input_format: '{instruction}' } };
}

export function axolotlRecipe(settings: RecipeSettings): Recipe {
  const config = {
    base_model: settings.baseModel,
    datasets: [datasetEntry(settings, settings.trainFile)],
    ...(settings.validationFile ? { test_datasets: [{ ...datasetEntry(settings, settings.validationFile), split: 'train' }] } : { val_set_size: 0 }),
    dataset_prepared_path: 'last_run_prepared',
    output_dir: settings.outputDir,
    sequence_len: settings.sequenceLength,
    sample_packing: false,
    train_on_inputs: false,
    ...(settings.lora
      ? { adapter: 'lora', lora_r: settings.lora.rank, lora_alpha: settings.lora.alpha, lora_dropout: settings.lora.dropout, lora_target_linear: true }
      : {}),
    micro_batch_size: settings.microBatchSize,
    gradient_accumulation_steps: settings.gradientAccumulation,
    num_epochs: settings.epochs,
    optimizer: 'adamw_torch_fused',
    lr_scheduler: 'cosine',
    learning_rate: settings.learningRate,
    warmup_ratio: 0.03,
    bf16: 'auto',
    gradient_checkpointing: true,
    logging_steps: 10,
    saves_per_epoch: 1,
    seed: settings.seed,
  };
  return {
    files: [{ path: 'config.yml', content: `# Axolotl recipe written by apprentice finetune --export axolotl\n${stringify(config)}` }],
    commands: ['pip install axolotl', 'axolotl preprocess config.yml', 'axolotl train config.yml'],
  };
}
