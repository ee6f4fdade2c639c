/**
 * A run's resumable state in <out>/training/: state.json (identity, counters, history) pointing at the
 * step-numbered tensors it was saved with (weights and AdamW moments), written so that a crash at any point
 * leaves a state whose files are all there. The data order is a function of the seed and the step, so
 * resuming from it continues the run exactly.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from '../formats/safetensors.js';
import { assertFinite } from '../hfWeights.js';
import type { StepEngine } from './stepEngine.js';

export interface TrainState {
  identity: string;
  step: number;
  bestStep: number;
  bestValidationLoss: number | null;
  bestValidationAccuracy: number | null;
  evalsWithoutImprovement: number;
  stoppedEarly: boolean;
  history: Array<Record<string, unknown>>;
  /** The tensors of this state, in the state folder. */
  files?: { model: string; optimizer: string };
}

export const STATE_DIR = 'training';

export async function readState(stateDir: string, identity: string): Promise<TrainState | undefined> {
  const file = join(stateDir, 'state.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined; // nothing to resume: start fresh
  }
  let state: TrainState;
  try {
    state = JSON.parse(text) as TrainState;
  } catch (error) {
    throw new InputError(`the training state is not valid JSON (${(error as Error).message}); delete it or pass --restart to start over`, { file });
  }
  const fields: Array<[keyof TrainState, string]> = [
    ['identity', 'string'],
    ['step', 'number'],
    ['bestStep', 'number'],
    ['evalsWithoutImprovement', 'number'],
    ['stoppedEarly', 'boolean'],
  ];
  if (!state || typeof state !== 'object') throw new InputError('the training state is not a JSON object; delete it or pass --restart to start over', { file });
  for (const [key, type] of fields) {
    if (typeof state[key] !== type) throw new InputError(`expected a ${type}; delete the file or pass --restart to start over`, { file, field: key });
  }
  if (!Array.isArray(state.history)) throw new InputError('expected an array; delete the file or pass --restart to start over', { file, field: 'history' });
  if (state.identity !== identity) {
    throw new InputError('this folder holds a run with different data or options; use another --out, or --restart to discard it and start over', { file });
  }
  return state;
}

export async function readStateWeights(file: string): Promise<Map<string, Float32Array>> {
  const { tensors } = await readSafetensors(file);
  for (const [name, t] of tensors) assertFinite(name, t.data, file);
  return new Map([...tensors].map(([name, t]) => [name, t.data]));
}
/** Removes the resumable state of a finished run (the checkpoint stays). */
export async function removeTrainingState(outDir: string): Promise<void> {
  await rm(join(outDir, STATE_DIR), { recursive: true, force: true });
}

/**
 * Saves the engine's parameters and moments with `state`: the tensors under step-numbered names, then
 * state.json (renamed into place) pointing at them, then the previous tensors go.
 */
export async function writeState(
  stateDir: string,
  state: TrainState,
  engine: StepEngine,
  shapes: ReadonlyArray<{ name: string; shape: number[] }>,
): Promise<void> {
  const current = engine.weights();
  const weights = new Map<string, SafetensorsTensor>();
  const moments = new Map<string, SafetensorsTensor>();
  for (const { name, shape } of shapes) {
    weights.set(name, { shape, data: current.get(name) as Float32Array });
    const { m, v } = engine.moments(name);
    moments.set(`m.${name}`, { shape, data: m });
    moments.set(`v.${name}`, { shape, data: v });
  }
  const previous = state.files;
  const files = { model: `model-${state.step}.safetensors`, optimizer: `optimizer-${state.step}.safetensors` };
  await writeSafetensors(join(stateDir, files.model), weights);
  await writeSafetensors(join(stateDir, files.optimizer), moments);
  state.files = files;
  await writeFile(join(stateDir, 'state.json.tmp'), JSON.stringify(state, null, 2) + '\n');
  await rename(join(stateDir, 'state.json.tmp'), join(stateDir, 'state.json'));
  for (const file of previous ? [previous.model, previous.optimizer] : []) {
    if (file !== files.model && file !== files.optimizer) await rm(join(stateDir, file), { force: true });
  }
}

/** The saved weights of a state (its trainable parameters). */
export function readSavedWeights(stateDir: string, state: TrainState): Promise<Map<string, Float32Array>> {
  return readStateWeights(join(stateDir, state.files?.model ?? 'model.safetensors'));
}

/** Puts the saved AdamW moments of every parameter in `names` back into the engine. */
export async function restoreMoments(stateDir: string, state: TrainState, engine: StepEngine, names: readonly string[]): Promise<void> {
  const optimizerFile = join(stateDir, state.files?.optimizer ?? 'optimizer.safetensors');
  const { tensors } = await readSafetensors(optimizerFile);
  for (const name of names) {
    const [m, v] = [tensors.get(`m.${name}`), tensors.get(`v.${name}`)];
    if (!m || !v) throw new InputError(`optimizer state ${m ? 'v' : 'm'}.${name} is missing`, { file: optimizerFile });
    engine.setMoments(name, m.data, v.data);
  }
}
