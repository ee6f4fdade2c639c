/**
 * The run folders of one `grimoire eval`: each method (and each grimoire's validation answers) is one
 * resumable run folder under the evaluation's root, evaluated through the generic example runner
 * (eval/runner.ts: bounded concurrency, one record appended per example, resume, errors never scored).
 * Answers with a grimoire are shared in memory between the methods that route to the same grimoire,
 * including answers resumed from disk, so no question is asked twice with the same grimoire.
 */
import { join } from 'node:path';
import type { Example, TaskDefinition } from '../data/types.js';
import type { ExampleRecord } from '../eval/records.js';
import { runExamples } from '../eval/runner.js';
import { summarizeRecords, type RunSummary } from '../eval/summary.js';
import type { LanguageModel } from '../models/types.js';
import { openRunDir, SUMMARY_FILE } from '../runs/runDir.js';
import { sha256Hex } from '../util/canonicalJson.js';
import { VERSION } from '../version.js';
import { answerWithContext, type AnswerSettings } from './answer.js';
import type { GrimoireArtifact } from './types.js';

export type RoutedRecord = ExampleRecord & { grimoire?: string };

export interface MethodRun {
  records: RoutedRecord[];
  summary: RunSummary;
  dir: string;
}

export interface MethodRunsSettings {
  root: string;
  /** Identity every run folder shares (dataset, weak model, answer settings, templates). */
  identity: Record<string, unknown>;
  weak: LanguageModel;
  task: TaskDefinition;
  answer: AnswerSettings;
  concurrency: number;
  seed: number;
  log: (line: string) => void;
}

export class MethodRuns {
  private readonly memo = new Map<string, Promise<ExampleRecord>>();

  constructor(private readonly settings: MethodRunsSettings) {}

  /** One run folder `name` over `items`: resumed by example, summarised, its summary written. */
  async run(name: string, split: string, items: Example[], evaluate: (example: Example) => Promise<RoutedRecord>, identity: object): Promise<MethodRun> {
    const { root, concurrency, seed, log } = this.settings;
    const handle = openRunDir<RoutedRecord>(join(root, name), {
      identity: { ...this.settings.identity, name, split, examples: items.map((e) => e.index), ...identity },
      resolved: { command: 'grimoire eval', version: VERSION, method: name },
    });
    const { records } = await runExamples({ examples: items, evaluate, runDir: handle, concurrency, showProgress: false });
    const summary = summarizeRecords(records, items.length, seed);
    handle.writeJson(SUMMARY_FILE, summary);
    log(`${name}: ${summary.correct}/${summary.scored} correct${summary.errors ? `, ${summary.errors} failed` : ''}`);
    return { records, summary, dir: handle.dir };
  }

  /** The weak model's answer to `example` with `context` in the prompt (not shared: zero-shot, few-shot). */
  answerWithContext(example: Example, context: Parameters<typeof answerWithContext>[3]): Promise<ExampleRecord> {
    return answerWithContext(this.settings.weak, this.settings.task, example, context, this.settings.answer);
  }

  /** The weak model's answer to `example` with grimoire `grimoire`, asked once per grimoire, split and example. */
  answerWith(grimoire: GrimoireArtifact, example: Example, split: string): Promise<ExampleRecord> {
    const key = memoKey(grimoire, split, example.index);
    let record = this.memo.get(key);
    if (!record) {
      record = this.answerWithContext(example, { kind: 'grimoire', text: grimoire.text });
      this.memo.set(key, record);
    }
    return record;
  }

  /** Every item answered with one grimoire, in run folder `name`; its records (resumed ones too) feed the memo. */
  async grimoireRun(grimoire: GrimoireArtifact, split: string, items: Example[], name: string): Promise<MethodRun> {
    const result = await this.run(name, split, items, (example) => this.answerWith(grimoire, example, split), {
      grimoire: grimoire.id,
      text: hashText(grimoire.text),
    });
    for (const record of result.records) {
      const key = memoKey(grimoire, split, record.index);
      if (!this.memo.has(key) && !record.error) this.memo.set(key, Promise.resolve(record));
    }
    return result;
  }
}

function memoKey(grimoire: GrimoireArtifact, split: string, index: number): string {
  return `${grimoire.id}\u0000${split}\u0000${index}`;
}

export function hashText(text: string): string {
  return sha256Hex(text).slice(0, 16);
}
