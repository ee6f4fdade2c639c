/**
 * Where each example index's latest line stands in a records file (its byte offset and length, in typed columns
 * by index: 12 bytes an index, whatever the records' size), and those lines read back by offset, so a run's
 * records need not be held: JUnit's cases in index order (lastRecords.ts, synchronous) and the dashboard's pages
 * of examples (server/dashboard/runExamples.ts, asynchronous) both read through it.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from '../util/errors.js';
import { grownLength, grownTo } from '../util/typedArrays.js';
import type { IndexedRecord } from './runDir.js';

/** A line's place in the file, as `streamRecordLines` gives it. */
export interface LinePlace {
  offset: number;
  bytes: number;
}

export class RecordLines {
  private offsets = new Float64Array(0);
  /** 0: no line for this index (a record's line is never empty). */
  private lengths = new Uint32Array(0);
  private slots = 0;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(readonly file: string) {}

  /** Notes the line of a record of `index`; a later line for an index replaces the earlier one. */
  note(index: number, place: LinePlace): void {
    if (index >= this.lengths.length) {
      const capacity = grownLength(this.lengths.length, index + 1);
      this.offsets = grownTo(this.offsets, capacity);
      this.lengths = grownTo(this.lengths, capacity);
    }
    this.offsets[index] = place.offset;
    this.lengths[index] = place.bytes;
    this.slots = Math.max(this.slots, index + 1);
  }

  /** One past the highest index with a line. */
  get end(): number {
    return this.slots;
  }

  has(index: number): boolean {
    return index < this.slots && this.lengths[index]! > 0;
  }

  offsetOf(index: number): number {
    return this.offsets[index]!;
  }

  /** The records of these indices (each must have a line), in this order, read one at a time as they are iterated. */
  *readSync<T extends IndexedRecord>(indices: Iterable<number>): Generator<T> {
    const fd = openSync(this.file, 'r');
    let buffer = Buffer.alloc(64 * 1024);
    try {
      for (const index of indices) {
        const length = this.lengths[index]!;
        if (length > buffer.length) buffer = Buffer.alloc(Math.max(length, buffer.length * 2));
        const read = readSync(fd, buffer, 0, length, this.offsets[index]!);
        yield this.parse<T>(buffer.subarray(0, read), index);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The records of these indices (each must have a line), in this order. */
  async read<T extends IndexedRecord>(indices: ArrayLike<number>): Promise<T[]> {
    if (!indices.length) return [];
    const handle = await open(this.file, 'r');
    try {
      const records: T[] = [];
      for (let i = 0; i < indices.length; i++) {
        const index = indices[i]!;
        const bytes = Buffer.alloc(this.lengths[index]!);
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, this.offsets[index]!);
        records.push(this.parse<T>(bytes.subarray(0, bytesRead), index));
      }
      return records;
    } finally {
      await handle.close();
    }
  }

  /** The line as a record of `index`; anything else means the file was rewritten since its lines were noted. */
  private parse<T extends IndexedRecord>(bytes: Uint8Array, index: number): T {
    let record: T | null = null;
    try {
      record = JSON.parse(this.decoder.decode(bytes)) as T;
    } catch {
      // not a whole line any more: reported below
    }
    if (bytes.length !== this.lengths[index] || record?.index !== index) {
      throw new InputError(`the file changed while it was read (example ${index}); read it again`, { file: this.file });
    }
    return record;
  }
}
