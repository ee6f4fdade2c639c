/**
 * The last record of each example index in a records file, read back in index order without holding the records:
 * one pass notes where each index's last line is (recordLines.ts) and a one-byte tag the caller computes from that
 * record, then the lines are read again one at a time at their byte offsets. About 13 bytes per example index,
 * whatever the records' size, so a 1M-example run can be written out in order (JUnit's one test case per example).
 */
import { InputError } from '../util/errors.js';
import { grownLength, grownTo } from '../util/typedArrays.js';
import { RecordLines } from './recordLines.js';
import { type IndexedRecord, streamRecordLines } from './runDir.js';

export class LastRecords<T extends IndexedRecord> {
  private constructor(
    private readonly lines: RecordLines,
    /** By example index: the tag of its last record. */
    private readonly tags: Uint8Array,
  ) {}

  /** `tag` is called on every record in file order; the tag of an index's last record is the one kept. */
  static async read<T extends IndexedRecord>(path: string, tag: (record: T) => number = () => 0): Promise<LastRecords<T>> {
    const lines = new RecordLines(path);
    let tags = new Uint8Array(1024);
    for await (const { record, line, offset, bytes } of streamRecordLines<T>(path)) {
      const index = record.index;
      if (index < 0) throw new InputError('a negative example index', { file: path, line, field: 'index' });
      if (index >= tags.length) tags = grownTo(tags, grownLength(tags.length, index + 1));
      lines.note(index, { offset, bytes });
      tags[index] = tag(record);
    }
    return new LastRecords<T>(lines, tags);
  }

  /** How many example indices have a record. */
  get size(): number {
    let count = 0;
    for (let index = 0; index < this.lines.end; index++) if (this.lines.has(index)) count++;
    return count;
  }

  /** How many example indices carry each tag, by tag. */
  tagCounts(): number[] {
    const counts: number[] = [];
    for (const index of this.indices()) {
      const tag = this.tags[index]!;
      counts[tag] = (counts[tag] ?? 0) + 1;
    }
    return counts;
  }

  /** Each index's last record, in index order, read from the file as it is iterated. */
  inIndexOrder(): Generator<T> {
    return this.lines.readSync<T>(this.indices());
  }

  private *indices(): Generator<number> {
    for (let index = 0; index < this.lines.end; index++) if (this.lines.has(index)) yield index;
  }
}
