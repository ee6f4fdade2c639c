/**
 * A `jsonl:` dataset that is one file, read as a stream: the evaluation path over a million examples never
 * holds the file, its records or its examples whole. The file is read in passes (labels when the data names
 * them, then validation, count and content digest, then the examples themselves; a file of at most
 * KEEP_EXAMPLES_BELOW_BYTES keeps its examples from the digest pass instead of a third read), each pass with
 * the same mapping, checks and errors as `loadDataset`, and the digest equal to `datasetDigest` of the loaded
 * dataset, so a run folder resumes whichever path wrote it. Directories (several splits) are not streamed.
 */
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { DatasetDigest } from './digest.js';
import { InputError } from '../util/errors.js';
import { chooseAnswerKind, genericTask } from './adapters/generic.js';
import { type DatasetOptions, exampleFrom } from './adapters/shared.js';
import { createRecordMapper, type RecordMapper } from './fields.js';
import { parseDatasetSpec } from './load.js';
import { firstJsonLine, jsonLineBatches } from './readers.js';
import type { AnswerType, Example, TaskDefinition } from './types.js';

export interface StreamingSplit {
  task: TaskDefinition;
  /** As `Dataset.source`. */
  source: string;
  split: string;
  /** Examples in the file. */
  size: number;
  /** Equal to `datasetDigest` of the same file loaded whole. */
  digest: string;
  /** The first `limit` examples (all by default) in file order, read from the file again. */
  examples(limit?: number): AsyncGenerator<Example>;
}

/**
 * The split as a stream when `spec` is a single `jsonl:` file (or a bare .jsonl/.ndjson path) and `split` is
 * the split that file becomes; undefined otherwise (the caller loads the dataset whole).
 */
export async function openStreamingSplit(
  spec: string,
  options: DatasetOptions,
  split: string,
  /** Sees every example during the validation pass, before any is evaluated (e.g. a pre-flight size check). */
  inspect?: (example: Example) => void,
): Promise<StreamingSplit | undefined> {
  const { kind, path } = parseDatasetSpec(spec);
  if (kind !== 'jsonl' || split !== (options.splitName ?? 'test')) return undefined;
  const file = resolve(path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;

  const answerKind = chooseAnswerKind(options);
  const first = await firstJsonLine(file);
  if (!first) throw new InputError('no records', { file });
  const map = createRecordMapper(options, { file, answer: answerKind, firstRecord: first });
  const answer: AnswerType =
    answerKind === 'label'
      ? { kind: 'label', labels: options.labels?.length ? options.labels : await labelsInFile(file, map) }
      : ({ kind: answerKind } as AnswerType);
  const task = genericTask(answer, options, basename(file, extname(file)));

  const batches = (limit = Number.POSITIVE_INFINITY) => exampleBatches(file, split, map, limit, options.idField);
  // A small file's examples are kept from the digest pass, so evaluating them does not read and parse the file again.
  const kept: Example[] | undefined = info.size <= KEEP_EXAMPLES_BELOW_BYTES ? [] : undefined;
  const digest = new DatasetDigest(task);
  digest.split(split);
  let size = 0;
  for await (const batch of batches()) {
    for (const example of batch) {
      inspect?.(example);
      digest.add(example);
      kept?.push(example);
    }
    size += batch.length;
  }
  const examples = kept
    ? (limit = Number.POSITIVE_INFINITY) => keptExamples(kept, limit)
    : async function* (limit?: number) {
        for await (const batch of batches(limit)) yield* batch;
      };
  return { task, source: `jsonl:${file}`, split, size, digest: digest.hex(), examples };
}

/** Files up to this size keep their examples in memory after the digest pass (a few times the file's size). */
export const KEEP_EXAMPLES_BELOW_BYTES = 4 * 1024 * 1024;

async function* keptExamples(kept: readonly Example[], limit: number): AsyncGenerator<Example> {
  for (let index = 0; index < Math.min(limit, kept.length); index++) yield kept[index]!;
}

/** A label task without `--labels` takes its labels from the data, in order of first appearance. */
async function labelsInFile(file: string, map: RecordMapper): Promise<string[]> {
  const labels = new Set<string>();
  for await (const batch of jsonLineBatches(file)) for (const record of batch) labels.add(map(record).target);
  return [...labels];
}

/**
 * Examples as `buildExamples` makes them, one array per chunk of the file (one await per chunk, not per
 * example). Ids are checked for duplicates as they come; only ids read from the data (`--id-field`) are
 * remembered for that, since generated ids (`<split>-<index>`) are unique by construction.
 */
async function* exampleBatches(file: string, split: string, map: RecordMapper, limit: number, idField?: string): AsyncGenerator<Example[]> {
  const seen = new Map<string, number>();
  for await (const records of jsonLineBatches(file)) {
    const batch: Example[] = [];
    for (const record of records) {
      if (record.position >= limit) break;
      const mapped = map(record);
      if (mapped.id !== undefined) {
        const earlier = seen.get(mapped.id);
        if (earlier !== undefined) {
          throw new InputError(`duplicate id "${mapped.id}" (first seen on line ${earlier})`, { file, line: record.line, field: idField });
        }
        seen.set(mapped.id, record.line);
      }
      batch.push(exampleFrom(record.position, mapped.id ?? `${split}-${record.position}`, record, mapped));
    }
    if (batch.length) yield batch;
    if (batch.length < records.length) return;
  }
}
