/**
 * A succeeded job's results file, as OpenAI attaches one (`result_files`, purpose `fine-tune-results`): a CSV of
 * `step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy`, one row per step the job logged
 * metrics at (its metrics events, which survive a restart). The engine reports no training accuracy, so that
 * column is empty, as are the validation columns of steps that were not evaluated.
 */
import type { JobEvent } from './types.js';

const COLUMNS = ['step', 'train_loss', 'train_accuracy', 'valid_loss', 'valid_mean_token_accuracy'] as const;

export function resultsCsv(events: readonly JobEvent[]): string {
  const rows = new Map<number, Partial<Record<(typeof COLUMNS)[number], number>>>();
  for (const event of events) {
    const step = event.type === 'metrics' ? event.data?.step : undefined;
    if (typeof step !== 'number') continue;
    const row = rows.get(step) ?? { step };
    for (const column of COLUMNS) {
      const value = event.data?.[column];
      if (typeof value === 'number') row[column] = value;
    }
    rows.set(step, row);
  }
  const lines = [...rows.values()]
    .sort((a, b) => a.step! - b.step!)
    .map((row) => COLUMNS.map((column) => (row[column] === undefined ? '' : String(row[column]))).join(','));
  return [COLUMNS.join(','), ...lines].join('\n') + '\n';
}
