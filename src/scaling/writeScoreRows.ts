/** Writes score rows as CSV (header + one row each) or a JSON array, chosen by the file's extension. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { InputError } from '../util/errors.js';
import { SCORE_COLUMNS, type ScoreRow } from './scoreRow.js';
import { redactSecrets } from '../util/redact.js';

type Column = (typeof SCORE_COLUMNS)[number];

export async function writeScoreRows(file: string, rows: readonly ScoreRow[]): Promise<void> {
  const extension = extname(file).toLowerCase();
  if (extension !== '.csv' && extension !== '.json') {
    throw new InputError('output must end in .csv or .json', { file });
  }
  await mkdir(dirname(file), { recursive: true });
  const records = rows.map(toRecord);
  const body = extension === '.csv' ? toCsv(records) : JSON.stringify(records, null, 2) + '\n';
  await writeFile(file, redactSecrets(body));
}

function toRecord(row: ScoreRow): Partial<Record<Column, string | number | boolean>> {
  const record: Partial<Record<Column, string | number | boolean>> = {
    model: row.model,
    params: row.params,
    params_estimated: row.paramsEstimated,
    task: row.task,
    metric: row.metric,
    score: row.score,
    n: row.n,
    cut_outputs: row.cutOutputs,
    ci_low: row.ciLow,
    ci_high: row.ciHigh,
    random: row.random,
    max: row.max,
    labels: row.labels,
  };
  for (const key of Object.keys(record) as Column[]) if (record[key] === undefined) delete record[key];
  return record;
}

function toCsv(records: Partial<Record<Column, string | number | boolean>>[]): string {
  const columns = SCORE_COLUMNS.filter((column) => records.some((record) => record[column] !== undefined));
  const lines = [columns.join(',')];
  for (const record of records) lines.push(columns.map((column) => csvField(record[column])).join(','));
  return lines.join('\n') + '\n';
}

function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
