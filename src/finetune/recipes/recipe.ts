/** What a training recipe for another trainer is made of: its settings, and the files it writes. */

export interface RecipeSettings {
  /** Hugging Face model id or path of the base model. */
  baseModel: string;
  /** 'messages' (chat) or 'prompt-completion', as the data file holds. */
  dataKind: 'messages' | 'prompt-completion';
  trainFile: string;
  validationFile?: string;
  epochs: number;
  learningRate: number;
  /** Examples per device per step, and steps of gradient accumulation. */
  microBatchSize: number;
  gradientAccumulation: number;
  sequenceLength: number;
  lora: { rank: number; alpha: number; dropout: number } | null;
  seed: number;
  outputDir: string;
}

export interface RecipeFile {
  /** Relative to the export folder. */
  path: string;
  content: string;
}

export interface Recipe {
  files: RecipeFile[];
  /** The commands that run it, in order, from the export folder. */
  commands: string[];
}
