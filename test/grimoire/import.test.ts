/** `importRecordedGrimoires`: the paper's file names and format into our artifacts. */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGrimoireSet } from '../../src/grimoire/artifact.js';
import { importRecordedGrimoires, parseRecordedName, recordedGrimoireId } from '../../src/grimoire/import.js';
import { PROJECT_ROOT } from '../support/runCli.js';

const RECORDED = join(PROJECT_ROOT, '..', 'shared', 'datasets', 'grimoire', 'recorded', 'grimoires');

describe('parseRecordedName', () => {
  it('reads sampler, k, weak model and ratio from the release file names', () => {
    expect(parseRecordedName('grimoire_SST5_gpt-4-1106-preview_k-means-4-shot-per-class.json')).toEqual({
      task: 'SST5',
      strongModel: 'gpt-4-1106-preview',
      sampler: 'kmeans',
      k: 4,
    });
    expect(parseRecordedName('grimoire_TREC_gpt-4-1106-preview_keep-hard-4-shot-hard-for-Baichuan2_7B_Chat-0.5-per-class.json')).toEqual({
      task: 'TREC',
      strongModel: 'gpt-4-1106-preview',
      sampler: 'hard',
      k: 4,
      hardFor: 'Baichuan2_7B_Chat',
      hardRatio: 0.5,
    });
    expect(parseRecordedName('grimoire_RTE_gpt-4-1106-preview_keep-hard-4-shot-hard-for-gpt-3.5-turbo-1.0-per-class.json')).toMatchObject({
      sampler: 'hard',
      hardFor: 'gpt-3.5-turbo',
      hardRatio: 1,
    });
    expect(parseRecordedName('grimoire_QNLI_gpt-4-1106-preview_random-0-shot-per-class.json')).toMatchObject({ sampler: 'zero', k: 0 });
    expect(parseRecordedName('grimoire_QNLI_gpt-4-1106-preview_random-4-shot-per-class.json')).toMatchObject({ sampler: 'random', k: 4 });
    expect(parseRecordedName('notes.json')).toBeNull();
    // A task name with "_" is read by the strong-model vocabulary, not by splitting on "_".
    expect(parseRecordedName('grimoire_hate_speech18_gpt-4-1106-preview_k-means-4-shot-per-class.json')).toEqual({
      task: 'hate_speech18',
      strongModel: 'gpt-4-1106-preview',
      sampler: 'kmeans',
      k: 4,
    });
    expect(parseRecordedName('grimoire_tweet_eval_hate_claude-3-opus_hierarchical-8-shot-per-class.json')).toMatchObject({
      task: 'tweet_eval_hate',
      strongModel: 'claude-3-opus',
      k: 8,
    });
    // A strong model outside the vocabulary is read when the task being imported is known.
    expect(parseRecordedName('grimoire_hate_speech18_my_model_random-4-shot-per-class.json')).toBeNull();
    expect(parseRecordedName('grimoire_hate_speech18_my_model_random-4-shot-per-class.json', 'HATE_SPEECH18')).toMatchObject({
      task: 'hate_speech18',
      strongModel: 'my_model',
    });
    expect(recordedGrimoireId(parseRecordedName('grimoire_RTE_g_keep-hard-4-shot-hard-for-PHI2-0.5-per-class.json')!, 'simple')).toBe('hard-4-PHI2-0.5-simple');
  });

  it('imports a folder in the release format; empty grimoires are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-recorded-'));
    writeFileSync(
      join(dir, 'grimoire_Toy_gpt-x_k-means-4-shot-per-class.json'),
      JSON.stringify({ profound_grimoire: '\nDeep rules', simple_grimoire: 'Short rules' }),
    );
    writeFileSync(join(dir, 'grimoire_Other_gpt-x_k-means-4-shot-per-class.json'), JSON.stringify({ profound_grimoire: 'x', simple_grimoire: 'y' }));
    writeFileSync(join(dir, 'readme.json'), '{}');
    const out = join(dir, 'out');
    const result = importRecordedGrimoires(dir, { task: 'toy', out, now: () => new Date(0) });
    expect(result.grimoires.map((g) => [g.id, g.text])).toEqual([
      ['kmeans-4-profound', 'Deep rules'],
      ['kmeans-4-simple', 'Short rules'],
    ]);
    expect(result.skipped).toEqual(['readme.json']);
    expect(readGrimoireSet(out).manifest).toMatchObject({ task: 'Toy', strongModel: 'gpt-x', validationIds: null });

    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad', 'grimoire_Toy_gpt-x_hierarchical-4-shot-per-class.json'), JSON.stringify({ profound_grimoire: ' ', simple_grimoire: 'y' }));
    expect(() => importRecordedGrimoires(join(dir, 'bad'), { task: 'Toy' })).toThrow(/profound_grimoire.*empty/);
    expect(() => importRecordedGrimoires(dir, { task: 'Nope' })).toThrow(/no recorded grimoire for task "Nope"; the folder has grimoires for Other, Toy/);

    const underscored = mkdtempSync(join(tmpdir(), 'apprentice-recorded-'));
    writeFileSync(
      join(underscored, 'grimoire_hate_speech18_gpt-4-1106-preview_k-means-4-shot-per-class.json'),
      JSON.stringify({ profound_grimoire: 'P', simple_grimoire: 'S' }),
    );
    writeFileSync(
      join(underscored, 'grimoire_hate_speech18_gpt-4-1106-preview_keep-hard-4-shot-hard-for-Llama_2_13b-0.5-per-class.json'),
      JSON.stringify({ profound_grimoire: 'P', simple_grimoire: 'S' }),
    );
    const hate = importRecordedGrimoires(underscored, { task: 'hate_speech18' });
    expect(hate.manifest).toMatchObject({ task: 'hate_speech18', strongModel: 'gpt-4-1106-preview' });
    expect(hate.grimoires.map((g) => g.id).sort()).toEqual([
      'hard-4-Llama_2_13b-0.5-profound',
      'hard-4-Llama_2_13b-0.5-simple',
      'kmeans-4-profound',
      'kmeans-4-simple',
    ]);

    // A grimoire file whose name cannot be read is an error naming it, not a silent skip.
    writeFileSync(join(underscored, 'grimoire_hate_speech18_gpt-4_k-means-four-shot.json'), '{}');
    expect(() => importRecordedGrimoires(underscored, { task: 'hate_speech18' })).toThrow(
      /grimoire_hate_speech18_gpt-4_k-means-four-shot\.json.*not a release grimoire file name/,
    );
  });

  it.skipIf(!existsSync(RECORDED))('imports the 14 recorded SST5 grimoire files as 28 artifacts (needs ../shared/datasets)', () => {
    const out = mkdtempSync(join(tmpdir(), 'apprentice-import-'));
    const result = importRecordedGrimoires(RECORDED, { task: 'SST5', out });
    expect(result.grimoires).toHaveLength(28);
    expect(result.skipped).toEqual([]);
    for (const g of result.grimoires) {
      expect(g.text).toMatch(/^Below are some skills needed to solve the task/);
      expect(g.strongModel).toBe('gpt-4-1106-preview');
    }
    const forPhi2 = importRecordedGrimoires(RECORDED, { task: 'SST5', hardFor: 'PHI2' });
    expect(forPhi2.grimoires.map((g) => g.id).filter((id) => id.startsWith('hard'))).toEqual([
      'hard-4-PHI2-0.5-profound',
      'hard-4-PHI2-0.5-simple',
      'hard-4-PHI2-1-profound',
      'hard-4-PHI2-1-simple',
    ]);
    expect(forPhi2.grimoires).toHaveLength(12);
    expect(readGrimoireSet(out).grimoires).toHaveLength(28);
  });
});
