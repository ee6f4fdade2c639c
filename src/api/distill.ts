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

// Types the public signatures above reference, so users can name them. Distillation types live here only;
// datasets are `apprentice/eval`'s, students' configs `apprentice/engine`'s, the model layer `apprentice/models`'s.
export type { AnnotationRecord, ChainSample } from '../distill/annotation.js';
export { METHODS as DISTILL_METHODS, type BuildReport, type Method as DistillMethod } from '../distill/builders.js';
export type { CellSelection, CheckpointSelection, HeldOutTask } from '../distill/heldOutSelection.js';
export type { StageTime } from '../distill/stageTimes.js';
export type { AnnotationStats } from '../distill/stats.js';
export type { AnnotationManifest } from '../distill/store.js';
export type { StudentSettings } from '../distill/sweep.js';
export type { CellResult, GenericRow, GenericSection, SweepPoint, TeacherAccuracy } from '../distill/sweepResults.js';
