import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseChecked, readChecked } from '../../src/util/checkedJson.js';
import { InputError } from '../../src/util/errors.js';

const schema = z.object({ name: z.string(), scores: z.array(z.object({ n: z.number() })) });

describe('parseChecked', () => {
  it('returns the parsed JSON itself, with the fields the schema does not check', () => {
    expect(parseChecked(schema, '{"name": "a", "scores": [{"n": 1, "extra": true}], "more": 2}')).toEqual({
      ok: true,
      value: { name: 'a', scores: [{ n: 1, extra: true }], more: 2 },
    });
  });

  it('says which field is wrong, or that the text is not JSON', () => {
    const wrong = parseChecked(schema, '{"name": "a", "scores": [{"n": "one"}]}');
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.problem).toMatch(/^scores\.0\.n: .*expected number/);
    const broken = parseChecked(schema, '{"name": ');
    expect(!broken.ok && broken.problem).toMatch(/^invalid JSON: /);
  });
});

describe('readChecked', () => {
  it('throws an InputError naming the file, what it should be and the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-checked-'));
    const file = join(dir, 'results.json');
    writeFileSync(file, '{"name": 3, "scores": []}');
    expect(() => readChecked(schema, file, 'a results file')).toThrow(InputError);
    expect(() => readChecked(schema, file, 'a results file')).toThrow(/results\.json: not a results file \(name: .*expected string/);
    expect(() => readChecked(schema, join(dir, 'missing.json'), 'a results file')).toThrow(/cannot read a results file/);
    writeFileSync(file, '{"name": "x", "scores": []}');
    expect(readChecked(schema, file, 'a results file')).toEqual({ name: 'x', scores: [] });
  });
});
