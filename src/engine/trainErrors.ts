/** Errors of a training run that callers tell apart (cheap to import: the CLI maps them to exit codes). */

/**
 * Training stopped because the loss or the gradients stopped being finite. Nothing of the diverged step was
 * saved: the checkpoint is the best model so far (`bestStep`) and the resumable state is the last evaluation's.
 */
export class TrainingDivergedError extends Error {
  constructor(
    readonly step: number,
    what: string,
    readonly bestStep: number,
  ) {
    super(
      `training diverged at step ${step}: ${what}. Nothing of this step was saved; the checkpoint is the best model so far (step ${bestStep}). ` +
        'Try a lower --lr, a longer --warmup or --clip.',
    );
    this.name = 'TrainingDivergedError';
  }
}
