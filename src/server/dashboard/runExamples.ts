/**
 * A run's examples without holding them: while records.jsonl is streamed once (runs.ts), each example keeps
 * where its latest line is (runs/recordLines.ts) and the few numbers the table filters and sorts on
 * (status, tokens, cost, grimoire), in typed columns by example index: tens of bytes per example, whatever the
 * text. A page of the table is chosen from the columns and only its lines are read again, by offset. A search
 * streams the file once more (memory: one byte per example) and is kept for the next pages.
 */
import { readLines } from '../../data/lineStream.js';
import { exampleStatus, type ExampleRecord } from '../../eval/records.js';
import { asExampleRecord, text, type RawRecord } from '../../eval/runResult.js';
import { RecordLines } from '../../runs/recordLines.js';
import { grownLength, grownTo } from '../../util/typedArrays.js';
import type { ExampleRow, ExamplesPage, ExampleStatus } from './api.js';
import { searchText, statusMatches, type ExampleFilter, type ExampleQuery, type ExampleSortKey } from './exampleQuery.js';

/** Status codes in the columns: 0 is "no record for this example". */
const STATUSES: readonly ExampleStatus[] = ['correct', 'wrong', 'invalid', 'error', 'unscored'];

/** Orders and searches kept per run (a user pages through one at a time). */
const KEPT_ORDERS = 4;

export class RunExamples {
  private readonly lines: RecordLines;
  private status = new Uint8Array(0);
  private tokens = new Float64Array(0);
  private cost = new Float64Array(0);
  /** Grimoire per example: 0 none, else 1 + its position in `grimoireNames`. */
  private grimoire = new Uint16Array(0);
  private readonly grimoireNames: string[] = [];
  private readonly grimoireCodes = new Map<string, number>();
  private slots = 0;
  private readonly orders = new Map<string, Int32Array>();

  constructor(
    readonly file: string,
    /** Builds a row from a line as written and as an example record (runs.ts). */
    private readonly toRow: (raw: RawRecord, record: ExampleRecord) => ExampleRow,
  ) {
    this.lines = new RecordLines(file);
  }

  /** Records the latest line of an example (a later line for an index replaces the earlier one). */
  add(raw: RawRecord, record: ExampleRecord, line: { offset: number; bytes: number }): void {
    const index = raw.index;
    this.ensure(index + 1);
    this.lines.note(index, line);
    this.status[index] = STATUSES.indexOf(exampleStatus(record)) + 1;
    this.tokens[index] = record.usage.promptTokens + record.usage.completionTokens;
    this.cost[index] = record.costUsd;
    this.grimoire[index] = this.grimoireCode(text(raw.grimoire));
  }

  /** Examples with a record. */
  get count(): number {
    let count = 0;
    for (let i = 0; i < this.slots; i++) if (this.status[i]) count++;
    return count;
  }

  statusCounts(): Partial<Record<ExampleStatus, number>> {
    const counts: Partial<Record<ExampleStatus, number>> = {};
    for (let i = 0; i < this.slots; i++) {
      const code = this.status[i]!;
      if (code) counts[STATUSES[code - 1]!] = (counts[STATUSES[code - 1]!] ?? 0) + 1;
    }
    return counts;
  }

  /** Per grimoire used: scored examples (errors and unscored left out) and correct ones. */
  grimoireScores(): Map<string, { correct: number; scored: number }> {
    const scores = new Map<string, { correct: number; scored: number }>();
    for (let i = 0; i < this.slots; i++) {
      const code = this.grimoire[i]!;
      const status = STATUSES[this.status[i]! - 1];
      if (!code || !status || status === 'error' || status === 'unscored') continue;
      const name = this.grimoireNames[code - 1]!;
      const entry = scores.get(name) ?? { correct: 0, scored: 0 };
      entry.scored += 1;
      if (status === 'correct') entry.correct += 1;
      scores.set(name, entry);
    }
    return scores;
  }

  /** The page of the examples `query` selects, in its order, each read again from its line. */
  async page(query: ExampleQuery): Promise<ExamplesPage> {
    const order = await this.order(query);
    const chosen = order.subarray(query.offset, query.offset + query.limit);
    return { total: order.length, offset: query.offset, of: this.count, rows: await this.rows(chosen) };
  }

  /** The rows of these example indices, in this order, read by offset. */
  async rows(indices: ArrayLike<number>): Promise<ExampleRow[]> {
    // A file rewritten since it was read is an error; its stamp changes too, so the next request reads it again.
    const raws = await this.lines.read<RawRecord>(indices);
    return raws.map((raw) => this.toRow(raw, asExampleRecord(raw)));
  }

  /** Example indices selected by the filter and search, sorted; kept for the next pages of the same query. */
  private async order(query: ExampleQuery): Promise<Int32Array> {
    const key = `${query.filter}\0${query.words.join(' ')}\0${query.sort}\0${query.descending}`;
    const kept = this.orders.get(key);
    if (kept) return kept;
    const found = query.words.length ? await this.search(query.words) : null;
    const filter: ExampleFilter = query.filter;
    const selected = new Int32Array(this.slots);
    let count = 0;
    for (let i = 0; i < this.slots; i++) {
      const code = this.status[i]!;
      if (code && statusMatches(STATUSES[code - 1]!, filter) && (!found || found[i])) selected[count++] = i;
    }
    const order = selected.slice(0, count);
    const value = this.sortValue(query.sort);
    const sign = query.descending ? -1 : 1;
    // Ties keep the example order.
    if (value) order.sort((a, b) => sign * (value(a) - value(b)) || a - b);
    else if (query.descending) order.reverse();
    if (this.orders.size >= KEPT_ORDERS) this.orders.delete(this.orders.keys().next().value!);
    this.orders.set(key, order);
    return order;
  }

  private sortValue(key: ExampleSortKey): ((index: number) => number) | null {
    switch (key) {
      case 'index':
        return null;
      case 'status':
        return (index) => this.status[index]!;
      case 'tokens':
        return (index) => this.tokens[index]!;
      case 'cost':
        return (index) => this.cost[index]!;
    }
  }

  /** Which examples' latest lines hold every word (in what the table shows of them): one byte per example. */
  private async search(words: readonly string[]): Promise<Uint8Array> {
    const found = new Uint8Array(this.slots);
    for await (const { text: line, offset } of readLines(this.file)) {
      if (!line.trim()) continue;
      let raw: RawRecord;
      try {
        raw = JSON.parse(line) as RawRecord;
      } catch {
        continue; // a line cut short at the end: not an example's latest line anyway
      }
      const index = raw.index;
      if (!Number.isInteger(index) || index < 0 || index >= this.slots || this.lines.offsetOf(index) !== offset || !this.status[index]) continue;
      const shown = searchText(this.toRow(raw, asExampleRecord(raw)));
      if (words.every((word) => shown.includes(word))) found[index] = 1;
    }
    return found;
  }

  private grimoireCode(name: string | null): number {
    if (name === null) return 0;
    let code = this.grimoireCodes.get(name);
    if (code === undefined) {
      this.grimoireNames.push(name);
      code = this.grimoireNames.length;
      this.grimoireCodes.set(name, code);
    }
    return code;
  }

  private ensure(slots: number): void {
    if (slots <= this.slots) return;
    if (slots > this.status.length) {
      const capacity = grownLength(this.status.length, slots);
      this.status = grownTo(this.status, capacity);
      this.tokens = grownTo(this.tokens, capacity);
      this.cost = grownTo(this.cost, capacity);
      this.grimoire = grownTo(this.grimoire, capacity);
    }
    this.slots = slots;
  }
}
