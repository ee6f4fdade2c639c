/**
 * The library API: what an application needs to call models through the model layer, load data,
 * evaluate, and use what the pipelines build. The command line is a thin layer over the same calls.
 * The engine (tfjs) and the report/server modules are not loaded from here, so importing this
 * entry stays light. It is the `apprentice/models` and `apprentice/eval` entries plus the names below.
 */
export * from './api/models.js';
export * from './api/eval.js';
export { InputError } from './util/errors.js';

export * as grimoire from './api/grimoire.js';
export * as scaling from './scaling/index.js';
export { VERSION } from './version.js';

// Types the scaling functions' signatures reference (the scaling lab has no entry of its own).
export type { CurveIntervals } from './scaling/verdict.js';
export type { GrimoireModel } from './scaling/grimoireCorrectness.js';
export type { CurveInput } from './scaling/scaleCurve.js';
