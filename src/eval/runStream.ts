/**
 * An evaluation run folder read as a stream, for runs too large to hold: records.jsonl is read line by line,
 * each record is reduced into summary columns by its example index (so the summary equals readEvalRun's, bit
 * for bit: the same records in the same index order), and only the first `keep` records by index are kept
 * whole, for a report's drill-down. Memory grows with the columns (tens of bytes per example), not the text.
 */
import { join } from 'node:path';
import { RECORDS_FILE, streamRecordLines } from '../runs/runDir.js';
import type { ExampleRecord } from './records.js';
import { asExampleRecord, readConfig, runFolderNames, type EvalRunFolder, type RawRecord } from './runResult.js';
import { SummaryColumns } from './summaryColumns.js';

export interface StreamedEvalRunFolder extends EvalRunFolder {
  /** Examples with a record in the folder; `records` (and `raw`) hold only the first `keep` of them by index. */
  recordsTotal: number;
}

export interface StreamOptions {
  /** Records kept whole (the lowest example indices). */
  keep: number;
  /** Bootstrap seed when the run's identity holds none. */
  seed?: number;
  /** Called with every record in file order and where its line is (a later line for an index replaces an earlier one). */
  onRecord?: (raw: RawRecord, record: ExampleRecord, line: { offset: number; bytes: number }) => void;
}

export async function readEvalRunStreamed(dir: string, options: StreamOptions): Promise<StreamedEvalRunFolder> {
  const config = readConfig(dir);
  const identity = config.identity ?? {};
  const columns = new SummaryColumns(Array.isArray(identity.examples) ? identity.examples.length : 0);
  const kept = new LowestIndices(options.keep);
  let present = 0;
  for await (const { record: raw, offset, bytes } of streamRecordLines<RawRecord>(join(dir, RECORDS_FILE))) {
    if (raw.index < 0) continue;
    const record = asExampleRecord(raw);
    options.onRecord?.(raw, record, { offset, bytes });
    columns.ensureSlots(raw.index + 1);
    if (!columns.has(raw.index)) present++;
    columns.set(raw.index, record);
    kept.offer(raw, record);
  }
  const planned = Array.isArray(identity.examples) ? identity.examples.length : 0;
  const seed = typeof identity.seed === 'number' ? identity.seed : (options.seed ?? 0);
  const { raw, records } = kept.sorted();
  return {
    dir,
    config,
    raw,
    records,
    recordsTotal: present,
    summary: columns.summary(Math.max(planned, present), seed),
    ...runFolderNames(config),
  };
}

/** The records of the `limit` lowest example indices seen so far (a later record for an index replaces it). */
class LowestIndices {
  private readonly byIndex = new Map<number, { raw: RawRecord; record: ExampleRecord }>();
  /** Indices above this cannot be among the lowest `limit` any more. */
  private cutoff = Infinity;

  constructor(private readonly limit: number) {}

  offer(raw: RawRecord, record: ExampleRecord): void {
    if (this.limit <= 0 || raw.index > this.cutoff) return;
    this.byIndex.set(raw.index, { raw, record });
    // Trimming at twice the limit keeps the work per record constant on average.
    if (this.byIndex.size >= 2 * this.limit) this.trim();
  }

  sorted(): { raw: RawRecord[]; records: ExampleRecord[] } {
    this.trim();
    const entries = [...this.byIndex.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
    return { raw: entries.map((entry) => entry.raw), records: entries.map((entry) => entry.record) };
  }

  private trim(): void {
    if (this.byIndex.size <= this.limit) return;
    const indices = [...this.byIndex.keys()].sort((a, b) => a - b);
    for (const index of indices.slice(this.limit)) this.byIndex.delete(index);
    this.cutoff = indices[this.limit - 1]!;
  }
}
