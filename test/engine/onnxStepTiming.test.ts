/**
 * The graph's share of a training step (what bench/engine/roofline.ts splits the step by): OnnxTrainer.accumulate
 * reports the seconds of ONNX Runtime's run, a positive part of the call.
 */
import { describe, expect, it } from 'vitest';
import { configForSize } from '../../src/engine/config.js';
import { initialWeights } from '../../src/engine/model.js';
import { OnnxTrainer } from '../../src/engine/onnx/trainer.js';

describe('OnnxTrainer.accumulate', () => {
  it("reports ONNX Runtime's run time within the call's", async () => {
    const config = configForSize('tiny', 64, 16);
    const trainer = await OnnxTrainer.create(config, initialWeights(config, 0), { beta1: 0.9, beta2: 0.95, weightDecay: 0.1 }, 1);
    try {
      const [B, T] = [2, 16];
      const tokens = Int32Array.from({ length: B * T }, (_, i) => (i * 7) % 64);
      const targets = Int32Array.from({ length: B * T }, (_, i) => (i * 11) % 64);
      const started = performance.now();
      const { runSeconds, loss } = await trainer.accumulate({ B, T, tokens, targets, weights: new Float32Array(B * T).fill(1 / (B * T)) });
      const callSeconds = (performance.now() - started) / 1000;
      expect(Number.isFinite(loss)).toBe(true);
      expect(runSeconds).toBeGreaterThan(0);
      expect(runSeconds).toBeLessThanOrEqual(callSeconds);
    } finally {
      await trainer.release();
    }
  });
});
