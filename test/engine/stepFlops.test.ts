/**
 * The FLOP count of bench/engine/roofline.ts (bench/engine/stepFlops.ts): its products, summed, against the
 * closed form of a training step: 6 FLOPs per weight of every projection and the head per position (forward,
 * input gradient, weight gradient), plus the attention's six T x T products per layer.
 */
import { describe, expect, it } from 'vitest';
import { flopsOf, stepProducts } from '../../bench/engine/stepFlops.js';
import { SHAPES } from '../../bench/engine/shapes.js';
import { configForSize, headDimOf, parameterShapes, type LlamaConfig } from '../../src/engine/config.js';

function closedForm(config: LlamaConfig, B: number, T: number): number {
  const N = B * T;
  // The weight matrices of the layers (not the embedding, the norms or the biases), from the model's own list.
  const projections = parameterShapes(config)
    .filter(({ name, shape }) => name.startsWith('model.layers.') && shape.length === 2)
    .reduce((sum, { shape }) => sum + (shape[0] as number) * (shape[1] as number), 0);
  const head = config.vocabSize * config.dim;
  const attention = 6 * 2 * B * config.nHeads * T * T * headDimOf(config) * config.nLayers;
  return 6 * N * (projections + head) + attention;
}

describe('stepProducts', () => {
  const cases: Array<[string, LlamaConfig, number, number]> = [
    ['base', configForSize('base', 2048, 128), 16, 128],
    ['smollm2-135m', SHAPES['smollm2-135m']!, 2, 256],
    ['qwen2.5-0.5b', SHAPES['qwen2.5-0.5b']!, 2, 256],
    ['llama-3.2-1b', SHAPES['llama-3.2-1b']!, 1, 64],
  ];
  for (const [name, config, B, T] of cases) {
    it(`counts a step at ${name} as the closed form does`, () => {
      const products = stepProducts(config, B, T);
      expect(products.reduce((sum, p) => sum + flopsOf(p), 0)).toBe(closedForm(config, B, T));
    });
  }

  it('merges products of one shape and layout, adding their counts', () => {
    const config = configForSize('base', 2048, 128);
    const products = stepProducts(config, 16, 128);
    const keys = products.map((p) => `${p.kind}:${p.batch.join('x')}:${p.m}x${p.n}x${p.k}:${p.transA}${p.transB}`);
    expect(new Set(keys).size).toBe(keys.length);
    // base: q and o are both 256 x 256, so their forward products are one entry run 2 x 6 times.
    expect(products.find((p) => p.label === 'q forward, o forward')?.count).toBe(12);
  });
});
