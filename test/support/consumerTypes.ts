/**
 * A TypeScript user of the package: a file that names the types the public entries export (option
 * objects, results, the types inside them) and is compiled with `tsc --noEmit` in a project where
 * `apprentice` is installed. Each `@ts-expect-error` line proves a type is the real one, not `any`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './packedPackage.js';
import { PROJECT_ROOT, type CliResult } from './runCli.js';

export const CONSUMER_SOURCE = `
import { ModelHub, type ModelHubOptions, type UsageSnapshot, type Permit, type ModelSpec, type OpenAISpec } from 'apprentice/models';
import type { DatasetKind, EvalJobConfig, EvalJobResult, RunComparison, DatasetOptions } from 'apprentice/eval';
import type { TrainOptions, LoraConfig, LoraTarget, Architecture } from 'apprentice/engine';
import type { BuildConfig, Choice, TemplateName } from 'apprentice/grimoire';
import type { SweepConfig, QuickstartScale, DistillMethod } from 'apprentice/distill';
import type { ServeTarget, RunningServer, ServedAnswer } from 'apprentice/server';
import { VERSION, grimoire, type TaskDefinition } from 'apprentice';

const options: ModelHubOptions = { cachePath: 'none', concurrency: 2, unsupportedSettings: 'refuse' };
export const hub = new ModelHub(options);
export const usage: UsageSnapshot = hub.usage.snapshot();
export function release(permit: Permit): void {
  permit.release(10);
}
export const spec: ModelSpec = { provider: 'openai', spec: 'openai:gpt-4o-mini', model: 'gpt-4o-mini' } satisfies OpenAISpec;

export const kind: DatasetKind = 'jsonl';
// @ts-expect-error not a dataset kind
export const notAKind: DatasetKind = 'parquet';
export const datasetOptions: DatasetOptions = { inputField: 'q', labelField: 'a', answerType: 'number' };
export type Job = Pick<EvalJobConfig, 'dataset' | 'split'>;
export const accuracyOf = (result: EvalJobResult): number | null => result.summary.accuracy;
export const pValueOf = (comparison: RunComparison): number | null => comparison.mcnemar?.pValue ?? null;

export const lora: LoraConfig = { rank: 8, alpha: 16, dropout: 0, targets: ['q', 'v'] };
// @ts-expect-error not a LoRA target
export const notATarget: LoraTarget = 'embed';
export const architecture: Architecture = 'qwen2';
export type Training = TrainOptions['lora'];

export type Build = BuildConfig['samplers'];
export const byWhat = (choice: Choice): 'ranker' | 'similarity' => choice.by;
export const template: TemplateName = 'profound';
export const load: typeof grimoire.GrimoireSet.load = grimoire.GrimoireSet.load;

export const method: DistillMethod = 'step-by-step';
export type Sweep = SweepConfig['methods'];
export const goldSize = (scale: QuickstartScale): number => scale.goldSize;

export const urlOf = (server: RunningServer): string => server.url;
export type Served = ServeTarget['spec'] | ServedAnswer;
export const task: Pick<TaskDefinition, 'name'> = { name: VERSION };
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    // @types/node is the user's own devDependency; the repository's copy stands in for it.
    typeRoots: [join(PROJECT_ROOT, 'node_modules', '@types')],
    types: ['node'],
  },
  files: ['consumer.mts'],
};

/** Writes consumer.mts (an ES module whatever the folder's package.json says) with the given source and a tsconfig.json into `dir` and type-checks it with the repository's TypeScript. */
export function compileConsumer(dir: string, source: string = CONSUMER_SOURCE): Promise<CliResult> {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(dir, 'consumer.mts'), source);
  return run(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], dir);
}
