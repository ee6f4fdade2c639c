/** A run whose identity holds a weights digest is shown by the name its pipeline wrote (quickstart teacher runs, issue #19). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvalRun } from '../../src/eval/runResult.js';
import { openRunDir } from '../../src/runs/runDir.js';

function annotationFolder(resolved: Record<string, unknown>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'apprentice-model-name-')), 'train');
  const run = openRunDir(dir, { identity: { dataset: 'synthetic', split: 'train', teacher: 'a'.repeat(64) }, resolved });
  run.append({ index: 0, id: '0', input: 'q', gold: '1', output: '1', prediction: '1', correct: true } as never);
  return dir;
}

describe('run model names', () => {
  it('a written modelName is the model shown, not the 64-hex digest of the identity', () => {
    const named = readEvalRun(
      annotationFolder({ command: 'quickstart (teacher annotation)', modelName: 'quickstart teacher (tiny, 450 steps on gold rationales)' }),
    );
    expect(named.model).toBe('quickstart teacher (tiny, 450 steps on gold rationales)');
    expect(readEvalRun(annotationFolder({ command: 'quickstart (teacher annotation)' })).model).toBe('a'.repeat(64));
  });
});
