/**
 * A Hugging Face TRL recipe: sft_config.yaml (model, data, LoRA and SFTConfig's fields) and train_sft.py,
 * which loads the JSONL data with `datasets`, builds SFTConfig from the YAML and runs SFTTrainer (with a
 * peft LoraConfig when LoRA is on). Chat data is trained on the assistant turns through the model's chat
 * template (TRL's conversational format); prompt/completion data on the completions (completion_only_loss).
 */
import { stringify } from 'yaml';
import type { Recipe, RecipeSettings } from './recipe.js';

const SCRIPT = `"""Supervised fine-tuning with TRL's SFTTrainer, configured by sft_config.yaml (written by apprentice finetune --export trl)."""
import sys

import yaml
from datasets import load_dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer


def main(config_path: str) -> None:
    with open(config_path, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    data_files = {"train": config["data"]["train"]}
    if config["data"].get("validation"):
        data_files["validation"] = config["data"]["validation"]
    dataset = load_dataset("json", data_files=data_files)
    lora = config.get("lora")
    peft_config = (
        LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"], target_modules="all-linear", task_type="CAUSAL_LM")
        if lora
        else None
    )
    trainer = SFTTrainer(
        model=config["model"],
        args=SFTConfig(**config["training"]),
        train_dataset=dataset["train"],
        eval_dataset=dataset.get("validation"),
        peft_config=peft_config,
    )
    trainer.train()
    trainer.save_model(config["training"]["output_dir"])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sft_config.yaml")
`;

export function trlRecipe(settings: RecipeSettings): Recipe {
  const config = {
    model: settings.baseModel,
    data: { train: settings.trainFile, ...(settings.validationFile ? { validation: settings.validationFile } : {}) },
    lora: settings.lora ? { r: settings.lora.rank, alpha: settings.lora.alpha, dropout: settings.lora.dropout } : null,
    training: {
      output_dir: settings.outputDir,
      num_train_epochs: settings.epochs,
      learning_rate: settings.learningRate,
      per_device_train_batch_size: settings.microBatchSize,
      gradient_accumulation_steps: settings.gradientAccumulation,
      max_length: settings.sequenceLength,
      lr_scheduler_type: 'cosine',
      warmup_ratio: 0.03,
      logging_steps: 10,
      save_strategy: 'epoch',
      ...(settings.validationFile ? { eval_strategy: 'epoch' } : {}),
      bf16: true,
      gradient_checkpointing: true,
      seed: settings.seed,
      ...(settings.dataKind === 'prompt-completion' ? { completion_only_loss: true } : {}),
      report_to: 'none',
    },
  };
  return {
    files: [
      { path: 'sft_config.yaml', content: `# TRL SFTTrainer recipe written by apprentice finetune --export trl\n${stringify(config)}` },
      { path: 'train_sft.py', content: SCRIPT },
    ],
    commands: ['pip install "trl>=0.20" peft datasets pyyaml accelerate', 'accelerate launch train_sft.py sft_config.yaml'],
  };
}
