import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbedder, ensureFitted, loadEmbedder } from '../../src/embed/index.js';
import { ModelEmbedder, createModelEmbedder } from '../../src/embed/modelEmbedder.js';
import { TfidfLsaEmbedder } from '../../src/embed/tfidf.js';
import { ModelError } from '../../src/models/errors.js';
import { ModelHub } from '../../src/models/hub.js';
import { writeRecording } from '../../src/models/core/recording.js';
import type { CallRecord, EmbedResponse, LanguageModel } from '../../src/models/types.js';
import { InputError } from '../../src/util/errors.js';
import { cleanupAfterEach } from '../support/cleanup.js';

const defer = cleanupAfterEach();

const usage = { promptTokens: 1, completionTokens: 0 };

/** A replay model (the real provider, behind the real middleware stack) answering the given embed batches. */
async function replayModel(batches: Array<{ texts: string[]; vectors: number[][] }>) {
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-embed-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'calls.jsonl');
  writeRecording(
    file,
    batches.map(({ texts, vectors }) => ({
      kind: 'embed' as const,
      request: { texts },
      response: { vectors, usage } satisfies EmbedResponse,
    })),
  );
  const calls: CallRecord[] = [];
  const hub = new ModelHub({ cachePath: 'none', onCall: (record) => calls.push(record), warn: () => {} });
  defer(() => hub.close());
  const spec = `replay:${file}`;
  return { hub, spec, calls, model: await hub.model(spec) };
}

describe('ModelEmbedder', () => {
  it('sends texts in batches, in order, and normalises the vectors', async () => {
    const { model, calls } = await replayModel([
      {
        texts: ['a', 'b'],
        vectors: [
          [3, 4],
          [0, 2],
        ],
      },
      {
        texts: ['c', 'd'],
        vectors: [
          [1, 0],
          [-5, 0],
        ],
      },
      { texts: ['e'], vectors: [[0, 0]] },
    ]);
    const embedder = createModelEmbedder(model, { batchSize: 2 });
    const vectors = await embedder.embed(['a', 'b', 'c', 'd', 'e']);
    expect(vectors.map((v) => Array.from(v))).toEqual([
      [0.6000000238418579, 0.800000011920929],
      [0, 1],
      [1, 0],
      [-1, 0],
      [0, 0],
    ]);
    expect(calls.filter((c) => c.kind === 'embed')).toHaveLength(3);
    expect(embedder.id).toBe(`model:${model.spec}`);
    expect(embedder.toJSON()).toEqual({ kind: 'model', spec: model.spec });
  });

  it('asks for nothing when there is nothing to embed', async () => {
    const { model, calls } = await replayModel([]);
    expect(await createModelEmbedder(model).embed([])).toEqual([]);
    expect(calls).toHaveLength(0);
  });

  it('passes model errors through (a batch the recording does not have)', async () => {
    const { model } = await replayModel([{ texts: ['a', 'b'], vectors: [[1], [2]] }]);
    await expect(createModelEmbedder(model, { batchSize: 1 }).embed(['a', 'b'])).rejects.toMatchObject({
      kind: 'replay_miss',
    });
  });

  it('rejects answers with the wrong number of vectors or changing lengths', async () => {
    const short = await replayModel([{ texts: ['a', 'b'], vectors: [[1, 2]] }]);
    const error = await createModelEmbedder(short.model)
      .embed(['a', 'b'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: 'bad_response', message: expect.stringMatching(/1 vectors for 2 texts/) });

    const ragged = await replayModel([
      { texts: ['a'], vectors: [[1, 2]] },
      { texts: ['b'], vectors: [[1, 2, 3]] },
    ]);
    await expect(createModelEmbedder(ragged.model, { batchSize: 1, concurrency: 1 }).embed(['a', 'b'])).rejects.toThrow(/different lengths/);

    const bad = await replayModel([{ texts: ['a'], vectors: [[]] }]);
    await expect(createModelEmbedder(bad.model).embed(['a'])).rejects.toMatchObject({ kind: 'bad_response' });
  });

  it('refuses a model that cannot embed, and bad batch sizes', async () => {
    const { model } = await replayModel([]);
    const capabilities = { ...model.capabilities, embed: false };
    const textOnly: LanguageModel = { ...model, spec: 'anthropic:claude', capabilities };
    expect(() => createModelEmbedder(textOnly)).toThrow(InputError);
    expect(() => createModelEmbedder(model, { batchSize: 0 })).toThrow(/embedder\.batchSize/);
  });
});

describe('createEmbedder and loadEmbedder', () => {
  it('makes the built-in embedder for "builtin" and a model embedder for a model spec', async () => {
    const builtin = await createEmbedder('builtin', { builtin: { dims: 4 } });
    expect(builtin).toBeInstanceOf(TfidfLsaEmbedder);
    expect((builtin as TfidfLsaEmbedder).settings.dims).toBe(4);

    const { hub, spec } = await replayModel([{ texts: ['x'], vectors: [[2, 0]] }]);
    const backed = await createEmbedder(spec, { models: hub });
    expect(backed).toBeInstanceOf(ModelEmbedder);
    expect(Array.from((await backed.embed(['x']))[0]!)).toEqual([1, 0]);
  });

  it('explains a bad spec or a missing model hub', async () => {
    await expect(createEmbedder('tfidf')).rejects.toThrow(InputError);
    await expect(createEmbedder('openai:text-embedding-3-small')).rejects.toThrow(/no model hub/);
  });

  it('reloads saved embedders of both kinds', async () => {
    const builtin = new TfidfLsaEmbedder({ dims: 3 });
    builtin.fit(['red apples and green pears', 'fast cars on open roads', 'green apples, red cars']);
    const reloaded = await loadEmbedder(JSON.parse(JSON.stringify(builtin.toJSON())));
    expect((await reloaded.embed(['red cars'])).map((v) => Array.from(v))).toEqual((await builtin.embed(['red cars'])).map((v) => Array.from(v)));

    const { hub, spec } = await replayModel([{ texts: ['x'], vectors: [[0, 3]] }]);
    const model = await loadEmbedder({ kind: 'model', spec }, { models: hub });
    expect(model.id).toBe(`model:${spec}`);

    await expect(loadEmbedder({ kind: 'mystery' }, { file: 'saved.json' })).rejects.toThrow(/saved\.json.*mystery/);
  });

  it('ensureFitted fits an unfitted built-in embedder once and leaves others alone', async () => {
    const builtin = new TfidfLsaEmbedder();
    ensureFitted(builtin, ['one text about cats', 'another about dogs']);
    const id = builtin.id;
    ensureFitted(builtin, ['a different corpus entirely']);
    expect(builtin.id).toBe(id);

    const { model } = await replayModel([]);
    expect(() => ensureFitted(createModelEmbedder(model), ['x'])).not.toThrow();
  });
});
