/**
 * Grimoire generation by the strong model (the paper's section 3.2): for one sample set, a profound
 * grimoire (rules, how to apply each, examples where needed) from `profound.txt`, then a simple one
 * (the profound one restated in at most three rules) from `simple.txt`. Each becomes an artifact with
 * its provenance. A failed or empty answer is a ModelError, never an empty grimoire: the model layer
 * does not cache failures, so the next build asks again.
 */
import type { TaskDefinition } from '../data/types.js';
import { ModelError } from '../models/errors.js';
import type { LanguageModel } from '../models/types.js';
import { formatExamples, labelsOf } from './prompt.js';
import type { SampleSet } from './samplers.js';
import { loadTemplates, render, type Templates } from './templates.js';
import type { GrimoireArtifact, GrimoireVariant, SamplerSettings } from './types.js';

/** How the strong model writes grimoires: token limit, temperature and templates. */
export interface GenerationSettings {
  maxTokens: number;
  /** The paper used 0.01 with GPT-4; 0 (greedy) is the default here. */
  temperature: number;
  templates?: Templates;
  now?: () => Date;
}

export const DEFAULT_GENERATION_SETTINGS: GenerationSettings = { maxTokens: 1024, temperature: 0 };

/** `kmeans-4`, `hard-4-0.5`, `zero`: names a sample set within a build. */
export function sampleSetId(sampler: SamplerSettings): string {
  if (sampler.name === 'zero') return 'zero';
  if (sampler.name === 'hard') return `hard-${sampler.k}-${sampler.hardRatio}`;
  return `${sampler.name}-${sampler.k}`;
}

export interface GeneratedPair {
  profound: GrimoireArtifact;
  /** Absent when the simple call failed (`simpleError` says why); the profound one is kept. */
  simple?: GrimoireArtifact;
  simpleError?: ModelError;
}

/** Writes the profound grimoire, then the simple one from it. Throws a ModelError when the profound call fails. */
export async function generateGrimoirePair(
  strong: LanguageModel,
  task: TaskDefinition,
  set: SampleSet,
  settings: GenerationSettings = DEFAULT_GENERATION_SETTINGS,
): Promise<GeneratedPair> {
  const templates = settings.templates ?? loadTemplates();
  const values = {
    taskType: task.taskType ?? task.name,
    description: task.description,
    labels: labelsOf(task).join(' / '),
  };
  const examples = set.samples.length ? `${templates['samples-header']}\n${formatExamples(set.samples)}` : templates['no-samples'];
  const profoundPrompt = render(templates.profound, { ...values, examples }, 'profound');
  const profound = await ask(strong, profoundPrompt, settings);
  const header = templates['grimoire-header'];
  const artifact = (variant: GrimoireVariant, call: Answer): GrimoireArtifact => ({
    format: 'apprentice.grimoire',
    version: 1,
    id: `${sampleSetId(set.sampler)}-${variant}`,
    task: task.name,
    variant,
    text: `${header}\n\n${call.text}`,
    sampler: set.sampler,
    samples: set.samples,
    strongModel: strong.spec,
    source: { kind: 'generated' },
    usage: { ...call.usage, costUsd: call.costUsd, cached: call.cached },
    createdAt: (settings.now?.() ?? new Date()).toISOString(),
  });
  const pair: GeneratedPair = { profound: artifact('profound', profound) };
  try {
    const simplePrompt = render(templates.simple, { ...values, profound: profound.text }, 'simple');
    pair.simple = artifact('simple', await ask(strong, simplePrompt, settings));
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    pair.simpleError = error;
  }
  return pair;
}

interface Answer {
  text: string;
  usage: { promptTokens: number; completionTokens: number };
  costUsd: number;
  cached: boolean;
}

/**
 * An empty answer is a success to the model layer (and so cached); ask once more as a distinct
 * request (another sample index) before calling it a failure.
 */
async function ask(model: LanguageModel, prompt: string, settings: GenerationSettings): Promise<Answer> {
  const total: Answer = { text: '', usage: { promptTokens: 0, completionTokens: 0 }, costUsd: 0, cached: true };
  for (let sampleIndex = 0; sampleIndex < 2; sampleIndex++) {
    const response = await model.generate({
      messages: [{ role: 'user', content: prompt }],
      maxTokens: settings.maxTokens,
      temperature: settings.temperature,
      ...(sampleIndex ? { sampleIndex } : {}),
    });
    total.usage.promptTokens += response.usage.promptTokens;
    total.usage.completionTokens += response.usage.completionTokens;
    total.costUsd += response.meta?.costUsd ?? 0;
    total.cached &&= response.meta?.cached ?? false;
    total.text = response.completions[0]?.text.trim() ?? '';
    if (total.text) return total;
  }
  throw new ModelError('bad_response', `model "${model.spec}" wrote an empty grimoire twice`);
}
