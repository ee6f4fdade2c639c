/**
 * What a dataset is to the rest of Apprentice: a task definition plus examples in splits.
 * Readers and adapters produce these; prompts, extraction and metrics consume them.
 */

/** How an answer is extracted and compared. */
export type AnswerType =
  | { kind: 'label'; labels: string[] }
  | { kind: 'number'; tolerance?: number }
  /** Gold is an arithmetic expression (e.g. SVAMP's `( 84.0 / 2.0 )`); compared by value. */
  | { kind: 'expression'; tolerance?: number }
  /** Options come per example (`Example.choices`); gold is the option text. */
  | { kind: 'multiple_choice' }
  | { kind: 'free_text' };

/** A task as a model sees it: name, description, answer type and labels. */
export interface TaskDefinition {
  /** Short name, e.g. `SST5`, `svamp`. */
  name: string;
  /** What the model is asked to do, in words shown to the model. */
  description: string;
  /** Kind of task in a few words (e.g. "sentiment analysis"); used by prompt layouts. */
  taskType?: string;
  /** Template over an example's raw fields, e.g. `Premise: {premise}\nHypothesis: {hypothesis}`. */
  inputTemplate?: string;
  answer: AnswerType;
}

/** One example of a split: the input shown to the model and its gold target. */
export interface Example {
  /** Position in its split's file order (0-based); stable identity for records and resumes. */
  index: number;
  /** Stable id when the source has one, else `<split>-<index>`. */
  id: string;
  /** The input text shown to the model (after the input template is applied). */
  input: string;
  /** Gold answer as text: label name, number, expression, option text or free text. */
  target: string;
  /** Options for multiple-choice tasks, in display order. */
  choices?: string[];
  /** A gold rationale / step-by-step explanation, when the source has one. */
  rationale?: string;
  /** The raw source record, for templates and adapters that need more fields. */
  raw: Record<string, unknown>;
}

/** A loaded dataset: its task definition and its splits of examples. */
export interface Dataset {
  task: TaskDefinition;
  /** Split name -> examples in file order. Typical names: train, validation, test. */
  splits: Record<string, Example[]>;
  /** Where it came from, for run configs and reports. */
  source: string;
}
