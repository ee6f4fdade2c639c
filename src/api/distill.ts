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
