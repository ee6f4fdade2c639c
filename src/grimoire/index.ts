/**
 * The Grimoire (SLEICL) library API. Build or import a grimoire set, evaluate it, and use it in an
 * application:
 *
 * ```ts
 * const set = await GrimoireSet.load('grimoires/sst5', { models: hub });
 * const { messages, grimoire } = await set.prompt('a gorgeous, witty film');   // send it yourself
 * const { answer } = await set.answer('a gorgeous, witty film', await hub.model('openai:gpt-4o-mini'));
 * ```
 *
 * The grimoire for a question is the saved ranker's choice when the set folder holds a
 * `ranker.json` (written by `grimoire eval --save-ranker`), else the most similar grimoire.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Example, TaskDefinition } from '../data/types.js';
import { createEmbedder, ensureFitted, type ModelSource } from '../embed/index.js';
import { dot } from '../embed/vector.js';
import type { ExampleRecord } from '../eval/records.js';
import { ModelError, type ModelErrorKind } from '../models/errors.js';
import type { ChatMessage, LanguageModel } from '../models/types.js';
import { InputError } from '../util/errors.js';
import { answerWithContext, DEFAULT_ANSWER_SETTINGS, type AnswerSettings } from './answer.js';
import { RANKER_FILE, readGrimoireSet, readJson } from './artifact.js';
import { buildWeakPrompt } from './prompt.js';
import { embedGrimoires, GrimoireRanker, mostSimilar, type GrimoireSpace } from './ranker.js';
import { loadTemplates, type Templates } from './templates.js';
import type { GrimoireArtifact, GrimoireManifest } from './types.js';

/** Options of {@link GrimoireSet.load}: models for embedders, the task, the ranker file and the embedder. */
export interface LoadGrimoireSetOptions {
  /** For model-backed embedders. */
  models?: ModelSource;
  /** Needed when the set does not record it (imported sets): the task as the weak model sees it. */
  task?: TaskDefinition;
  /** A ranker file other than `<dir>/ranker.json`. */
  rankerFile?: string;
  /** Embedder for similarity ranking when there is no ranker. Default builtin (fitted on the grimoires). */
  embedder?: string;
  templateDir?: string;
}

/** The grimoire {@link GrimoireSet} picked for a question, by ranker or similarity, with every grimoire's score. */
export interface Choice {
  grimoire: GrimoireArtifact;
  by: 'ranker' | 'similarity';
  /** Every grimoire's score (P(correct) for the ranker, cosine for similarity), best first. */
  ranking: { id: string; score: number }[];
}

/** A grimoire set folder, loaded: picks the grimoire for a question and builds or sends the weak model's prompt. */
export class GrimoireSet {
  readonly dir: string;
  readonly manifest: GrimoireManifest;
  readonly grimoires: readonly GrimoireArtifact[];
  readonly task: TaskDefinition;
  readonly ranker: GrimoireRanker | undefined;
  private readonly space: GrimoireSpace | undefined;
  private readonly templates: Templates;

  private constructor(parts: {
    dir: string;
    manifest: GrimoireManifest;
    grimoires: GrimoireArtifact[];
    task: TaskDefinition;
    ranker?: GrimoireRanker;
    space?: GrimoireSpace;
    templates: Templates;
  }) {
    this.dir = parts.dir;
    this.manifest = parts.manifest;
    this.grimoires = parts.grimoires;
    this.task = parts.task;
    this.ranker = parts.ranker;
    this.space = parts.space;
    this.templates = parts.templates;
  }

  static async load(dir: string, options: LoadGrimoireSetOptions = {}): Promise<GrimoireSet> {
    const files = readGrimoireSet(dir);
    const task = options.task ?? files.manifest.definition;
    if (!task)
      throw new InputError("this grimoire set does not record its task definition (imported sets do not): give the task, e.g. `--dataset <the task's data>`", {
        file: dir,
      });
    if (task.name.toLowerCase() !== files.manifest.task.toLowerCase()) {
      throw new InputError(`the grimoires were written for task "${files.manifest.task}", not "${task.name}"`, { file: dir, field: 'task' });
    }
    const rankerFile = options.rankerFile ?? join(dir, RANKER_FILE);
    let ranker: GrimoireRanker | undefined;
    let space: GrimoireSpace | undefined;
    if (existsSync(rankerFile)) {
      ranker = await GrimoireRanker.load(readJson(rankerFile), { models: options.models, file: rankerFile });
      const known = new Set(files.grimoires.map((g) => g.id));
      const missing = ranker.grimoireIds.filter((id) => !known.has(id));
      if (missing.length) throw new InputError(`the ranker knows grimoires this set lacks: ${missing.join(', ')}`, { file: rankerFile });
    } else {
      const embedder = await createEmbedder(options.embedder ?? 'builtin', { models: options.models });
      ensureFitted(
        embedder,
        files.grimoires.map((g) => g.text),
      );
      space = await embedGrimoires(embedder, files.grimoires);
    }
    return new GrimoireSet({ ...files, task, ranker, space, templates: loadTemplates(options.templateDir) });
  }

  /** The grimoire for this question. */
  async choose(question: string): Promise<Choice> {
    const byId = new Map(this.grimoires.map((g) => [g.id, g]));
    if (this.ranker) {
      const ranking = await this.ranker.rank(question);
      return { grimoire: byId.get(ranking[0]!.id)!, by: 'ranker', ranking };
    }
    const space = this.space!;
    const [vector] = await space.embedder.embed([question]);
    const best = mostSimilar(space, vector!);
    const ranking = space.vectors
      .map((v, i) => ({ id: space.grimoires[i]!.id, score: dot(vector!, v), i }))
      .sort((a, b) => b.score - a.score || a.i - b.i)
      .map(({ id, score }) => ({ id, score }));
    return { grimoire: space.grimoires[best]!, by: 'similarity', ranking };
  }

  /** The weak model's prompt for this question, with the chosen grimoire, in the paper's layout. */
  async prompt(question: string): Promise<{ messages: ChatMessage[] } & Choice> {
    const choice = await this.choose(question);
    return { ...choice, messages: buildWeakPrompt(this.task, question, { kind: 'grimoire', text: choice.grimoire.text }, this.templates) };
  }

  /** Asks `model` with the chosen grimoire; `answer` is the extracted label (null when none was found). */
  async answer(
    question: string,
    model: LanguageModel,
    settings: Partial<Omit<AnswerSettings, 'templates'>> = {},
  ): Promise<{ answer: string | null; output: string | null; record: ExampleRecord } & Choice> {
    const choice = await this.choose(question);
    const example: Example = { index: 0, id: 'question', input: question, target: '', raw: {} };
    const record = await answerWithContext(
      model,
      this.task,
      example,
      { kind: 'grimoire', text: choice.grimoire.text },
      {
        ...DEFAULT_ANSWER_SETTINGS,
        ...settings,
        templates: this.templates,
      },
    );
    // A library caller gets the failure as the model layer's own error type.
    if (record.error) throw new ModelError(record.error.kind as ModelErrorKind, record.error.message);
    return { ...choice, answer: record.extracted, output: record.output, record };
  }
}

export { buildGrimoires, type BuildConfig, type BuildResult } from './build.js';
export { evaluateGrimoires, EVAL_METHODS, type EvalMethod, type GrimoireEvalConfig, type GrimoireEvalResult, type MethodResult } from './evaluate.js';
export { importRecordedGrimoires, parseRecordedName } from './import.js';
export { readGrimoireSet, writeGrimoire, writeManifest } from './artifact.js';
export { generateGrimoirePair } from './generate.js';
export { hardSamples, hierarchicalSamples, kmeansSamples, randomSamples, zeroSamples } from './samplers.js';
export { GrimoireRanker, embedGrimoires, mostSimilar } from './ranker.js';
export { buildWeakPrompt } from './prompt.js';
export { answerWithContext } from './answer.js';
export type { GrimoireArtifact, GrimoireManifest, SamplerName } from './types.js';
