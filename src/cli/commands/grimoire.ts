/**
 * `apprentice grimoire build | eval | import`: a strong model writes skill books (grimoires) from
 * representative samples, a weak model reads the right one per question (Grimoire / SLEICL).
 */
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import type { GrimoireEvalResult } from '../../grimoire/evaluate.js';
import { methodLabel } from '../../grimoire/evalResult.js';
import { validationHeadline } from '../../grimoire/headline.js';
import { EVAL_METHODS, SAMPLER_NAMES, type SamplerName } from '../../grimoire/types.js';
import { common, outputOptions, runFolderOptions, subsetOptions } from '../commonOptions.js';
import { datasetOptions, datasetOptionsFrom } from '../datasetOptions.js';
import { percent } from '../format.js';
import { withExamples } from '../help.js';
import { defineCommand } from '../command.js';
import { modelLayerOptions, withHub } from '../modelOptions.js';
import { configFrom, option } from '../options.js';
import { absolutePath, commaList, nonNegativeInt, positiveInt } from '../validate.js';

const samplerList = commaList.pipe(z.array(z.enum(SAMPLER_NAMES as [SamplerName, ...SamplerName[]])).min(1));
const methodList = commaList.pipe(z.array(z.enum(EVAL_METHODS)).min(1));
const ratioList = commaList.transform((list) => list.map(Number)).pipe(z.array(z.number().min(0).max(1)).min(1));

const buildOptions = {
  strong: option('--strong <spec>', 'the model that writes the grimoires', z.string().min(1), { required: true, to: 'strong' }),
  weak: option('--weak <spec>', 'the model that will read them (needed by the hard-sample sampler)', z.string().optional(), { to: 'weak' }),
  embedder: { ...common.embedder, help: 'embedder for the cluster samplers: builtin or a model spec' },
  samplers: option('--samplers <list>', `comma list of ${SAMPLER_NAMES.join(', ')}`, samplerList, { default: SAMPLER_NAMES.join(','), to: 'samplers' }),
  k: option('--k <n>', 'samples per label', positiveInt, { default: '4', to: 'k' }),
  hardRatios: option('--hard-ratios <list>', 'shares of hard samples for the hard sampler', ratioList, { default: '0.5,1.0', to: 'hardRatios' }),
  hardPool: option('--hard-pool <n>', 'train examples the weak model answers zero-shot to find hard ones', positiveInt, { default: '500', to: 'hardPoolSize' }),
  validationSize: option('--validation-size <n>', 'train examples held out (stratified) as validation before sampling; 0 for none', nonNegativeInt, {
    default: '200',
    to: 'validationSize',
  }),
  seed: { ...common.seed, help: 'seed for validation, samplers and clustering' },
  out: { ...common.out, help: 'folder for the grimoire set', schema: absolutePath },
  maxTokens: { ...common.maxTokens, help: 'longest grimoire, in tokens', default: '1024', to: 'generation.maxTokens' as const },
  temperature: { ...common.temperature, help: 'strong-model temperature', to: 'generation.temperature' as const },
  templates: option('--templates <dir>', 'folder of prompt templates (default: the packaged templates/grimoire)', absolutePath.optional(), {
    to: 'templateDir',
  }),
  json: { ...outputOptions.json, help: 'print one JSON object' },
  ...datasetOptions,
  ...modelLayerOptions,
};

const evalOptions = {
  weak: option('--weak <spec>', 'the model that reads the grimoires', z.string().min(1), { required: true, to: 'weak' }),
  grimoires: option('--grimoires <dir>', 'a grimoire set folder (from build or import)', absolutePath, {
    required: true,
    to: 'grimoires',
  }),
  split: common.split,
  ...subsetOptions,
  seed: { ...common.seed, help: 'seed for validation, demos, ranker and bootstrap' },
  methods: option('--methods <list>', `comma list of ${EVAL_METHODS.join(', ')}`, methodList, { default: EVAL_METHODS.join(','), to: 'methods' }),
  shots: { ...common.shots, help: 'demonstrations for few-shot', schema: positiveInt },
  demos: option('--demos <list>', 'few-shot demo selection: random, nearest', commaList.pipe(z.array(z.enum(['random', 'nearest'])).min(1)), {
    default: 'random,nearest',
    to: 'fewShotDemos',
  }),
  embedder: { ...common.embedder, help: 'embedder for similarity, the ranker and nearest demos' },
  validationSize: option('--validation-size <n>', 'validation held out of train when the set names none', positiveInt, {
    default: '200',
    to: 'validationSize',
  }),
  maxTokens: { ...common.maxTokens, help: 'longest weak-model answer', default: '64', to: 'answer.maxTokens' as const },
  temperature: { ...common.temperature, help: 'weak-model temperature', to: 'answer.temperature' as const },
  templates: option('--templates <dir>', 'folder of prompt templates', absolutePath.optional(), { to: 'templateDir' }),
  saveRanker: option('--save-ranker', 'also write the trained ranker into the grimoire set folder (for the library API)', z.boolean().default(false), {
    to: 'saveRanker',
  }),
  // compiled into a RegExp when the command runs (with the extractor, which is loaded only then)
  answerPattern: { ...common.answerPattern, to: undefined },
  runDir: { ...runFolderOptions.runDir, help: 'parent run folder (default: runs/<id derived from the arguments>)', schema: absolutePath.optional() },
  runs: { ...runFolderOptions.runs, help: 'where run folders go' },
  name: runFolderOptions.name,
  json: { ...outputOptions.json, help: 'print one JSON object' },
  ...datasetOptions,
  ...modelLayerOptions,
};

const importOptions = {
  task: option('--task <name>', 'task name as in the file names, e.g. SST5', z.string().min(1), { required: true, to: 'task' }),
  out: { ...common.out, help: 'folder for the grimoire set', schema: absolutePath },
  hardFor: option('--hard-for <weak>', 'keep only hard-sample grimoires made for this weak model (e.g. PHI2)', z.string().optional(), { to: 'hardFor' }),
  json: { ...outputOptions.json, help: 'print one JSON object' },
};

export function registerGrimoire(program: Command): void {
  const grimoire = program
    .command('grimoire')
    .description('Grimoire (SLEICL): a strong model writes skill books, a weak model uses the right one per question');
  withExamples(grimoire, [
    'apprentice grimoire build --dataset grimoire:data/SST2 --strong openai:gpt-4o --weak gguf:phi-2.gguf --out runs/grimoires/SST2',
    'apprentice grimoire eval --dataset grimoire:data/SST2 --weak gguf:phi-2.gguf --grimoires runs/grimoires/SST2',
  ]);

  defineCommand(grimoire, {
    name: 'build',
    description: 'choose representative samples and have the strong model write a profound and a simple grimoire per sample set',
    options: buildOptions,
    examples: ['apprentice grimoire build --dataset grimoire:data/SST2 --strong openai:gpt-4o --weak gguf:phi-2.gguf --out runs/grimoires/SST2'],
    action: async (options) => {
      const { buildGrimoires } = await import('../../grimoire/build.js');
      await withHub(options, async (hub) => {
        const result = await buildGrimoires({ ...configFrom(buildOptions, options), datasetOptions: datasetOptionsFrom(options) }, hub, {
          log: (line) => process.stderr.write(`${line}\n`),
        });
        const summary = {
          dir: result.dir,
          task: result.manifest.task,
          grimoires: result.grimoires.map((g) => ({ id: g.id, sampler: g.sampler.name, variant: g.variant, samples: g.samples.length, usage: g.usage })),
          failures: result.manifest.failures,
          usage: result.manifest.usage,
          hardness: result.hardness,
          validation: result.manifest.validationIds?.length ?? 0,
          notes: result.notes,
        };
        if (options.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else {
          for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
          process.stdout.write(
            `${result.grimoires.length} grimoire(s) for ${summary.task} in ${result.dir}` +
              ` (${summary.usage.promptTokens}+${summary.usage.completionTokens} tokens, $${summary.usage.costUsd.toFixed(4)})\n`,
          );
        }
        if (result.manifest.failures.length) {
          process.stderr.write(`${result.manifest.failures.length} grimoire(s) failed and were not written; run the same command again to retry them.\n`);
          process.exitCode = 3;
        }
      });
    },
  });

  defineCommand(grimoire, {
    name: 'eval',
    description: 'evaluate a weak model with a grimoire set: zero-shot, few-shot, each grimoire, best single, similarity and ranker routing',
    options: evalOptions,
    examples: ['apprentice grimoire eval --dataset grimoire:data/SST2 --weak gguf:phi-2.gguf --grimoires runs/grimoires/SST2 --limit 200'],
    action: async (options) => {
      const [{ evaluateGrimoires }, { writeGrimoireReport }, { answerPatternOption }] = await Promise.all([
        import('../../grimoire/evaluate.js'),
        import('../../report/grimoireReport.js'),
        import('../../eval/extract/index.js'),
      ]);
      await withHub(options, async (hub) => {
        const config = configFrom(evalOptions, options);
        const result = await evaluateGrimoires(
          {
            ...config,
            datasetOptions: datasetOptionsFrom(options),
            answer: { ...config.answer, answerPattern: answerPatternOption(options.answerPattern) },
            log: (line) => process.stderr.write(`${line}\n`),
          },
          hub,
        );
        const report = await writeGrimoireReport(result.runDir);
        process.stderr.write(`report: ${report.htmlPath}\n`);
        process.stdout.write(
          (options.json
            ? JSON.stringify({ ...result, headline: headlineJson(result), report: { html: report.htmlPath, markdown: report.markdownPath } })
            : formatTable(result)) + '\n',
        );
        if (result.errors > 0) {
          const onValidation = result.validationErrors ? ` (${result.validationErrors} on validation)` : '';
          process.stderr.write(`${result.errors} answer(s) failed${onValidation} and are not scored; run the same command again to retry only them.\n`);
          process.exitCode = 3;
        }
      });
    },
  });

  defineCommand(grimoire, {
    name: 'import',
    description: "read grimoires in the Grimoire paper's release format into a grimoire set",
    arguments: [['<dir>', 'folder of grimoire_<task>_<strong>_<sampler>-<k>-shot[...]-per-class.json files']],
    options: importOptions,
    examples: ['apprentice grimoire import recorded/grimoires --task SST5 --out runs/grimoires/SST5'],
    action: async (options, dir: string) => {
      const { importRecordedGrimoires } = await import('../../grimoire/import.js');
      const { out } = options;
      const result = importRecordedGrimoires(dir, configFrom(importOptions, options));
      const summary = { dir: out, task: result.manifest.task, grimoires: result.grimoires.map((g) => g.id), skipped: result.skipped };
      if (options.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else process.stdout.write(`imported ${result.grimoires.length} grimoire(s) for ${summary.task} into ${out}\n`);
    },
  });
}

/** The paper's Table 1 for one task: one line per method. */
/** The headline for --json: the method chosen on validation (see grimoire/headline.ts), or null. */
function headlineJson(
  result: GrimoireEvalResult,
): { method: string; grimoire: string | null; accuracy: number | null; ci95: [number, number] | null; why: string } | null {
  const headline = validationHeadline(result);
  if (!headline) return null;
  const { method, grimoire, accuracy, ci95 } = headline.method;
  return { method, grimoire: grimoire ?? null, accuracy, ci95, why: headline.why };
}

export function formatTable(result: GrimoireEvalResult): string {
  const header = ['method', 'grimoire', 'n', 'accuracy', '95% CI', 'invalid', 'cut', 'errors', 'cost', '$/question', '$/correct'];
  const money = (value: number | null | undefined, digits: number) => (value === null || value === undefined ? '—' : `$${value.toFixed(digits)}`);
  const lines = result.methods.map((m) => [
    m.method,
    m.grimoire ?? m.demos ?? '',
    String(m.n),
    percent(m.accuracy),
    m.ci95 ? `[${percent(m.ci95[0])}, ${percent(m.ci95[1])}]` : '—',
    String(m.invalid),
    m.cutOutputs === undefined ? '—' : String(m.cutOutputs),
    String(m.errors),
    money(m.costUsd, 4),
    money(m.costPerQuestionUsd, 6),
    money(m.costPerCorrectUsd, 6),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [
    `${result.task} (${result.split}, ${result.n} examples), weak model ${result.weak}, grimoires ${result.grimoireSet}`,
    render(header),
    render(widths.map((w) => '-'.repeat(w))),
    ...lines.map(render),
  ];
  if (result.bestSingle)
    out.push(
      `best single chosen on ${result.validation?.n ?? 0} validation examples: ${result.bestSingle.grimoire} (${percent(result.bestSingle.validationAccuracy)})`,
    );
  if (result.ranker) {
    const v = result.ranker.validation;
    out.push(
      `ranker (${result.ranker.file}): on ${v.checkQuestions} held-back validation questions routes to ${percent(v.checkRoutedAccuracy)} vs best single ${percent(v.checkBestSingleAccuracy)}; AUC ${v.checkAuc?.toFixed(3) ?? '—'}` +
        (v.mode === 'prior' ? '; it routed worse than one grimoire there, so it ranks by validation accuracy' : ''),
    );
  }
  const headline = validationHeadline(result);
  out.push(
    headline
      ? `headline (chosen on validation, never on ${result.split}): ${methodLabel(headline.method)}, ${percent(headline.method.accuracy)} ` +
          `[${percent(headline.method.ci95?.[0])}, ${percent(headline.method.ci95?.[1])}] on ${result.split}; ${headline.why}`
      : 'headline: none (no method was chosen on validation: evaluate best-single or ranker)',
  );
  out.push(`run folder: ${result.runDir}`);
  return out.join('\n');
}
