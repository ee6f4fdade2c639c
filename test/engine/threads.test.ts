import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./threadsChild.ts', import.meta.url));

async function run(threads: number): Promise<{ threads: number; logits: number[] }> {
  // The process must exit by itself: the pthread workers may not keep it alive.
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child], {
    env: { ...process.env, APPRENTICE_WASM_THREADS: String(threads) },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as { threads: number; logits: number[] };
}

describe('the threaded SIMD wasm build in Node', () => {
  it('starts with 2 XNNPACK threads, computes the single-threaded logits and lets the process exit', async () => {
    const [one, two] = await Promise.all([run(1), run(2)]);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.logits).toHaveLength(one.logits.length);
    const worst = Math.max(...one.logits.map((v, i) => Math.abs(v - (two.logits[i] as number))));
    expect(worst).toBeLessThan(1e-4);
  }, 90_000);
});
