/**
 * Child Node processes under a small V8 heap (--max-old-space-size), for the tests that show a path fits in one
 * while the whole-file way it replaced does not.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);

/**
 * Runs `script` with `args` in a child Node process, with a `heapMb` MB heap when given (else Node's default);
 * a TypeScript script runs through tsx. Resolves to its stdout and stderr; rejects when it fails or outlives
 * `timeoutMs`.
 */
export function runUnderHeap(
  script: string,
  args: readonly string[],
  options: { heapMb?: number; timeoutMs: number },
): Promise<{ stdout: string; stderr: string }> {
  const node = [...(options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : []), ...(script.endsWith('.ts') ? ['--import', 'tsx'] : [])];
  return run(process.execPath, [...node, script, ...args], { maxBuffer: 1 << 24, timeout: options.timeoutMs });
}

/** Expects `child` to have died of running out of heap: V8's message on stderr, or the SIGABRT it ends with. */
export async function expectOutOfMemory(child: Promise<unknown>): Promise<void> {
  const failure = await child.then(
    () => undefined,
    (error: { signal?: string; stderr?: string }) => error,
  );
  expect(failure, 'the child was expected to run out of memory, and it finished').toBeDefined();
  expect(`${failure?.signal ?? ''} ${failure?.stderr ?? ''}`).toMatch(/heap|SIGABRT/i);
}

/** The JSON value on the last line a child printed. */
export function lastJsonLine<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}
