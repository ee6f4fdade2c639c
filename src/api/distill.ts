/**
 * `apprentice/distill`: distilling step-by-step and chain-of-thought distillation. A teacher annotates
 * a dataset (live or from recorded outputs), students are trained by each method, and every method is
 * compared against its baseline; {@link runQuickstart} is the offline end-to-end run.
 *
 * ```ts
 * import { runQuickstart, QUICKSTART_SCALES } from 'apprentice/distill';
 * const result = await runQuickstart({ out: 'runs/quickstart', scale: QUICKSTART_SCALES.tiny, scaleName: 'tiny' });
 * ```
 *
 * @packageDocumentation
 */
export { runQuickstart, QUICKSTART_SCALES, type QuickstartOptions, type QuickstartResult, type QuickstartScale } from '../distill/quickstart.js';
export { runDistillExperiment, type ExperimentConfig, type ExperimentResult } from '../distill/experiment.js';
export { annotateLive, type AnnotateConfig, type AnnotateResult } from '../distill/annotate.js';
export { runSweep, SWEEP_METHODS, type SweepConfig, type SweepMethod, type SweepResult } from '../distill/sweep.js';

// Types the public signatures above reference, so users can name them (api-extractor: ae-forgotten-export).
export type { DatasetOptions } from '../data/load.js';
export type { Example, TaskDefinition } from '../data/types.js';
export type { AnnotationRecord } from '../distill/annotation.js';
export type { CheckpointSelection } from '../distill/heldOutSelection.js';
export type { AnnotationStats } from '../distill/stats.js';
export type { AnnotationManifest } from '../distill/store.js';
export type { StudentSettings } from '../distill/sweep.js';
export type { CellResult, GenericSection, SweepPoint, TeacherAccuracy } from '../distill/sweepResults.js';
export type { LlamaConfig, ModelSize } from '../engine/model.js';
export type { LossNormalization } from '../engine/train.js';
export type { ModelHub } from '../models/hub.js';
