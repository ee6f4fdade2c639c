/**
 * The last record of each example index in a records file, read back in index order without holding the records:
 * one pass notes where each index's last line is (and a one-byte tag the caller computes from that record), then
 * the lines are read again one at a time at their byte offsets. About 13 bytes per example index, whatever the
 * records' size, so a 1M-example run can be written out in order (JUnit's one test case per example).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../util/errors.js';
import { grownLength, grownTo } from '../util/typedArrays.js';
import { type IndexedRecord, streamRecordLines } from './runDir.js';

export class LastRecords<T extends IndexedRecord> {
  private constructor(
    private readonly path: string,
    /** By example index: the byte offset and length of its last line (length 0: no record). */
    private readonly offsets: Float64Array,
    private readonly lengths: Uint32Array,
    private readonly tags: Uint8Array,
    /** One past the highest example index with a record. */
    private readonly end: number,
  ) {}

  /** `tag` is called on every record in file order; the tag of an index's last record is the one kept. */
  static async read<T extends IndexedRecord>(path: string, tag: (record: T) => number = () => 0): Promise<LastRecords<T>> {
    let offsets = new Float64Array(1024);
    let lengths = new Uint32Array(1024);
    let tags = new Uint8Array(1024);
    let end = 0;
    for await (const { record, line, offset, bytes } of streamRecordLines<T>(path)) {
      const index = record.index;
      if (index < 0) throw new InputError('a negative example index', { file: path, line, field: 'index' });
      if (index >= offsets.length) {
        const length = grownLength(offsets.length, index + 1);
        offsets = grownTo(offsets, length);
        lengths = grownTo(lengths, length);
        tags = grownTo(tags, length);
      }
      offsets[index] = offset;
      lengths[index] = bytes;
      tags[index] = tag(record);
      end = Math.max(end, index + 1);
    }
    return new LastRecords<T>(path, offsets, lengths, tags, end);
  }

  /** How many example indices have a record. */
  get size(): number {
    let count = 0;
    for (let index = 0; index < this.end; index++) if (this.lengths[index]) count++;
    return count;
  }

  /** How many example indices carry each tag, by tag. */
  tagCounts(): number[] {
    const counts: number[] = [];
    for (let index = 0; index < this.end; index++) {
      if (!this.lengths[index]) continue;
      const tag = this.tags[index]!;
      counts[tag] = (counts[tag] ?? 0) + 1;
    }
    return counts;
  }

  /** Each index's last record, in index order, read from the file as it is iterated. */
  *inIndexOrder(): Generator<T> {
    const fd = openSync(this.path, 'r');
    const decoder = new TextDecoder('utf-8');
    let buffer = Buffer.alloc(64 * 1024);
    try {
      for (let index = 0; index < this.end; index++) {
        const length = this.lengths[index]!;
        if (!length) continue;
        if (length > buffer.length) buffer = Buffer.alloc(Math.max(length, buffer.length * 2));
        const read = readSync(fd, buffer, 0, length, this.offsets[index]!);
        if (read !== length) throw new InputError('the records file changed while it was read', { file: this.path });
        yield JSON.parse(decoder.decode(buffer.subarray(0, length))) as T;
      }
    } finally {
      closeSync(fd);
    }
  }
}
