/**
 * Reads score rows (model, params, task, metric, score, and optional baseline/CI/count columns) from a
 * CSV with a header, a JSON array or JSON lines. Every problem names file, line and field.
 */
import * as z from '../util/zod.js';
import { formatFromExtension, readRecordFile, type SourceRecord } from '../data/readers.js';
import { InputError } from '../util/errors.js';
import { parseParamCount } from './paramCount.js';
import type { ScoreRow } from './scoreRow.js';

/** CSV leaves absent values as ''; they mean "not given", like a missing JSON key. */
const absent = (value: unknown) => (value === '' || value === null ? undefined : value);
const text = z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string().min(1, 'must not be empty'));
const finite = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
  z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number'),
);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(absent, schema.optional());
const flag = z.preprocess(
  (v) => (typeof v === 'string' ? ({ true: true, false: false, yes: true, no: false, '1': true, '0': false }[v.trim().toLowerCase()] ?? v) : v),
  z.boolean({ error: 'must be true or false' }),
);

const rowSchema = z.object({
  model: text,
  params: z.unknown(),
  params_estimated: optional(flag),
  task: text,
  metric: text,
  score: finite,
  n: optional(finite.pipe(z.number().int('must be a whole number').positive('must be positive'))),
  cut_outputs: optional(finite.pipe(z.number().int('must be a whole number').nonnegative('must not be negative'))),
  ci_low: optional(finite),
  ci_high: optional(finite),
  random: optional(finite),
  max: optional(finite),
  labels: optional(finite.pipe(z.number().int('must be a whole number').min(2, 'must be at least 2'))),
});

export async function readScoreRows(file: string): Promise<ScoreRow[]> {
  const format = formatFromExtension(file);
  if (!format) throw new InputError('expected a .csv, .json or .jsonl file of score rows', { file });
  const records = await readRecordFile(file, format);
  if (records.length === 0) throw new InputError('no score rows', { file });
  const rows = records.map((record) => toScoreRow(record, file));
  checkUnique(rows, records, file);
  checkBaselinesAgree(rows, records, file);
  return rows;
}

export function toScoreRow(record: SourceRecord, file: string): ScoreRow {
  const where = (field: string) => ({ file, line: record.line, field });
  const parsed = rowSchema.safeParse(record.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const field = String(issue.path[0] ?? '');
    const message = issue.code === 'invalid_type' && record.data[field] === undefined ? 'is missing' : issue.message;
    throw new InputError(message, where(field));
  }
  const data = parsed.data;
  const params = parseParamCount(data.params);
  if (typeof params === 'string') throw new InputError(params, where('params'));
  if (data.ci_low !== undefined && data.ci_high !== undefined && data.ci_low > data.ci_high) {
    throw new InputError(`ci_low (${data.ci_low}) is above ci_high (${data.ci_high})`, where('ci_low'));
  }
  if (data.random !== undefined && data.max !== undefined && data.random === data.max) {
    throw new InputError('random and max are equal, so scores cannot be normalized', where('max'));
  }
  return {
    model: data.model,
    params,
    task: data.task,
    metric: data.metric,
    score: data.score,
    ...(data.params_estimated !== undefined && { paramsEstimated: data.params_estimated }),
    ...(data.n !== undefined && { n: data.n }),
    ...(data.cut_outputs !== undefined && { cutOutputs: data.cut_outputs }),
    ...(data.ci_low !== undefined && { ciLow: data.ci_low }),
    ...(data.ci_high !== undefined && { ciHigh: data.ci_high }),
    ...(data.random !== undefined && { random: data.random }),
    ...(data.max !== undefined && { max: data.max }),
    ...(data.labels !== undefined && { labels: data.labels }),
  };
}

function checkUnique(rows: ScoreRow[], records: SourceRecord[], file: string): void {
  const seen = new Map<string, number>();
  rows.forEach((row, i) => {
    const key = JSON.stringify([row.model, row.task, row.metric]);
    const line = (records[i] as SourceRecord).line;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new InputError(`model "${row.model}" already has a ${row.metric} score on task "${row.task}" (line ${earlier})`, {
        file,
        line,
        field: 'model',
      });
    }
    seen.set(key, line);
  });
}

/** A task/metric has one baseline; rows that disagree on it are a mistake in the file. */
function checkBaselinesAgree(rows: ScoreRow[], records: SourceRecord[], file: string): void {
  const firstOf = new Map<string, { row: ScoreRow; line: number }>();
  rows.forEach((row, i) => {
    const key = JSON.stringify([row.task, row.metric]);
    const line = (records[i] as SourceRecord).line;
    const first = firstOf.get(key);
    if (!first) {
      firstOf.set(key, { row, line });
      return;
    }
    for (const [field, name] of [
      ['random', 'random'],
      ['max', 'max'],
      ['labels', 'labels'],
    ] as const) {
      if (row[field] !== first.row[field]) {
        throw new InputError(
          `${name} is ${row[field] ?? 'absent'} but ${first.row[field] ?? 'absent'} on line ${first.line} for the same task "${row.task}" and metric "${row.metric}"`,
          { file, line, field: name },
        );
      }
    }
  });
}
