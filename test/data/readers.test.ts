import { describe, expect, it } from 'vitest';
import { findJsonErrorOffset, firstJsonLine, formatFromExtension, jsonLineBatches, readRecordFile } from '../../src/data/readers.js';
import { InputError } from '../../src/util/errors.js';
import { tempFiles } from './tempFiles.js';

const files = tempFiles();

async function readError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('JSON arrays', () => {
  it('reads objects with the line each starts on', async () => {
    const file = files.write('array.json', '[\n  {"text": "a", "n": [1, {"x": "]"}]},\n\n  {\n    "text": "b,\\"c"\n  }, {"text": "d"}\n]\n');
    const records = await readRecordFile(file, 'json');
    expect(records.map((r) => [r.line, r.position, r.data.text])).toEqual([
      [2, 0, 'a'],
      [4, 1, 'b,"c'],
      [6, 2, 'd'],
    ]);
  });

  it('names the element and its line when an element is not an object', async () => {
    const file = files.write('not-object.json', '[\n{"a": 1},\n{"a": 2},\n42\n]');
    const error = await readError(readRecordFile(file, 'json'));
    expect(error.message).toBe(`${file}:4: array element 3 is a number, expected an object`);
    expect(error.line).toBe(4);
  });

  it('reports malformed JSON with the line where it breaks', async () => {
    const file = files.write('broken.json', '[\n{"a": 1},\n{"a": 2},\n{"a": x}\n]');
    const error = await readError(readRecordFile(file, 'json'));
    expect(error.message).toMatch(new RegExp(`^${file}:4: invalid JSON: Unexpected token`));
  });

  it('rejects a top-level object', async () => {
    const file = files.write('object.json', '{"a": 1,\n "b": 2}');
    const error = await readError(readRecordFile(file, 'json'));
    expect(error.message).toBe(`${file}: expected a JSON array of objects or one object per line, got a single JSON value`);
    const oneLine = files.write('one-line.json', '{"a": [1]}');
    // One object on one line is a valid one-record JSON-lines file.
    expect((await readRecordFile(oneLine, 'json')).map((r) => r.data)).toEqual([{ a: [1] }]);
  });

  it('reads a .json file holding JSON lines (as SVAMP and CQA ship)', async () => {
    const file = files.write('lines.json', '{"a": 1}\n{"a": 2}\n');
    expect((await readRecordFile(file, 'json')).map((r) => r.data.a)).toEqual([1, 2]);
  });

  it('finds the offset of the first syntax error', () => {
    expect(findJsonErrorOffset('[1, 2]')).toBeUndefined();
    expect(findJsonErrorOffset('{"a": [true, false, null, -1.5e3, "\\u00e9\\n"]}')).toBeUndefined();
    expect(findJsonErrorOffset('[1, 2,]')).toBe(6);
    expect(findJsonErrorOffset('{"a" 1}')).toBe(5);
    expect(findJsonErrorOffset('["a\nb"]')).toBe(3);
    expect(findJsonErrorOffset('[01]')).toBe(2);
    expect(findJsonErrorOffset('[1] x')).toBe(4);
    expect(findJsonErrorOffset('["abc')).toBe(5);
  });
});

describe('JSON lines', () => {
  it('skips blank lines but counts them', async () => {
    const file = files.write('data.jsonl', '{"a": 1}\n\n   \n{"a": 2}\r\n{"a": 3}');
    const records = await readRecordFile(file, 'jsonl');
    expect(records.map((r) => [r.line, r.position, r.data.a])).toEqual([
      [1, 0, 1],
      [4, 1, 2],
      [5, 2, 3],
    ]);
  });

  it('names the line of invalid JSON', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => `{"a": ${i}}`);
    const file = files.write('bad.jsonl', [...rows, '{"a": oops}', '{"a": 7}'].join('\n'));
    const error = await readError(readRecordFile(file, 'jsonl'));
    expect(error.message).toMatch(new RegExp(`^${file}:7: invalid JSON: Unexpected token`));
    expect(error.file).toBe(file);
    expect(error.line).toBe(7);
  });

  it('rejects a line that is not an object', async () => {
    const file = files.write('array-line.jsonl', '{"a": 1}\n[1, 2]\n');
    const error = await readError(readRecordFile(file, 'jsonl'));
    expect(error.message).toBe(`${file}:2: expected a JSON object, got an array`);
  });

  it('streamed in batches: the same records as read whole; the first record alone parses no line after it', async () => {
    const file = files.write('first.jsonl', '\n{"a": 1}\n{"a": oops}\n');
    expect(await firstJsonLine(file)).toEqual({ line: 2, position: 0, data: { a: 1 } });
    expect(await firstJsonLine(files.write('blank.jsonl', '\n  \n'))).toBeUndefined();
    const rows = files.write('rows.jsonl', '{"a": 1}\n\n{"a": 2}\n{"a": 3}');
    const batches: unknown[] = [];
    for await (const batch of jsonLineBatches(rows)) batches.push(...batch);
    expect(batches).toEqual(await readRecordFile(rows, 'jsonl'));
  });
});

describe('CSV', () => {
  it('handles quoted commas, doubled quotes, embedded newlines, blank lines and a BOM', async () => {
    const file = files.write('data.csv', '\uFEFFtext,label\n"hello, world",pos\n\n"she said ""hi""",neg\n"two\nlines",pos\nplain,neg\n');
    const records = await readRecordFile(file, 'csv');
    expect(records.map((r) => [r.line, r.data.text, r.data.label])).toEqual([
      [2, 'hello, world', 'pos'],
      [4, 'she said "hi"', 'neg'],
      [5, 'two\nlines', 'pos'],
      [7, 'plain', 'neg'],
    ]);
  });

  it('counts lines right with CRLF endings and non-ASCII text', async () => {
    const file = files.write('crlf.csv', 'text,label\r\n"é\r\nü",a\r\n\r\nplain,b\r\n');
    const records = await readRecordFile(file, 'csv');
    expect(records.map((r) => [r.line, r.data.text])).toEqual([
      [2, 'é\r\nü'],
      [5, 'plain'],
    ]);
  });

  it('names the line of a record with the wrong number of fields', async () => {
    const file = files.write('ragged.csv', 'text,label\na,b\nc,d,e\n');
    const error = await readError(readRecordFile(file, 'csv'));
    expect(error.message).toMatch(new RegExp(`^${file}:3: invalid CSV: .*columns length is 2, got 3`));
  });

  it('rejects duplicate and empty header names', async () => {
    const duplicate = files.write('dup.csv', 'text,text\na,b\n');
    expect((await readError(readRecordFile(duplicate, 'csv'))).message).toBe(`${duplicate}:1: CSV header: column name "text" appears twice`);
    const empty = files.write('empty-header.csv', 'text,\na,b\n');
    expect((await readError(readRecordFile(empty, 'csv'))).message).toBe(`${empty}:1: CSV header: column 2 has no name`);
  });
});

describe('files', () => {
  it('names a missing file', async () => {
    const missing = `${files.dir}/nope.jsonl`;
    const error = await readError(readRecordFile(missing, 'jsonl'));
    expect(error.message).toBe(`${missing}: file not found`);
  });

  it('maps extensions to formats', () => {
    expect(formatFromExtension('a/b.JSON')).toBe('json');
    expect(formatFromExtension('b.jsonl')).toBe('jsonl');
    expect(formatFromExtension('b.ndjson')).toBe('jsonl');
    expect(formatFromExtension('b.csv')).toBe('csv');
    expect(formatFromExtension('b.txt')).toBeUndefined();
  });
});
