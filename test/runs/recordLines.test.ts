import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LastRecords } from '../../src/runs/lastRecords.js';
import { RecordLines } from '../../src/runs/recordLines.js';
import { streamRecordLines } from '../../src/runs/runDir.js';

interface Row {
  index: number;
  v: string;
}

function recordsFile(lines: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'apprentice-recordlines-')), 'records.jsonl');
  writeFileSync(file, lines);
  return file;
}

async function noted(file: string): Promise<RecordLines> {
  const lines = new RecordLines(file);
  for await (const { record, offset, bytes } of streamRecordLines<Row>(file)) lines.note(record.index, { offset, bytes });
  return lines;
}

const rows = (pairs: [number, string][]) => pairs.map(([index, v]) => JSON.stringify({ index, v })).join('\n') + '\n';

describe('RecordLines', () => {
  it('reads back the latest line of each index, synchronously and asynchronously, in the order asked', async () => {
    const file = recordsFile(
      '\uFEFF' +
        rows([
          [2, 'c'],
          [0, 'é'],
          [2, 'c2'],
          [5, 'f'],
        ]),
    );
    const lines = await noted(file);
    expect(lines.end).toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((index) => lines.has(index))).toEqual([true, false, true, false, false, true]);
    expect([...lines.readSync<Row>([5, 0, 2])].map((row) => row.v)).toEqual(['f', 'é', 'c2']);
    expect((await lines.read<Row>([2, 5, 0])).map((row) => row.v)).toEqual(['c2', 'f', 'é']);
    expect(await lines.read<Row>([])).toEqual([]);
  });

  it('grows past its first capacity', async () => {
    const file = recordsFile(rows([[3000, 'far']]));
    const lines = await noted(file);
    expect(lines.end).toBe(3001);
    expect((await lines.read<Row>([3000]))[0]!.v).toBe('far');
  });

  it('says the file changed when it was rewritten after its lines were noted', async () => {
    const file = recordsFile(rows([[0, 'a'], [1, 'b']]));
    const lines = await noted(file);
    writeFileSync(file, rows([[1, 'b'], [0, 'a']]));
    await expect(lines.read<Row>([1])).rejects.toThrow(/changed while it was read \(example 1\)/);
    expect(() => [...lines.readSync<Row>([0])]).toThrow(/changed while it was read \(example 0\)/);
    writeFileSync(file, '');
    await expect(lines.read<Row>([0])).rejects.toThrow(/changed while it was read/);
  });
});

describe('LastRecords', () => {
  it('counts and tags the last record of each index and gives them back in index order', async () => {
    const file = recordsFile(
      rows([
        [3, 'x'],
        [1, 'y'],
        [3, 'z'],
      ]),
    );
    const last = await LastRecords.read<Row>(file, (row) => (row.v === 'y' ? 1 : 0));
    expect(last.size).toBe(2);
    expect(last.tagCounts()).toEqual([1, 1]);
    expect([...last.inIndexOrder()].map((row) => row.v)).toEqual(['y', 'z']);
  });
});
