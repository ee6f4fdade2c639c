/**
 * The engine benches' child processes: a bench measuring in a process of its own (so each measurement's peak
 * memory is its own) and its Python peers (PyTorch), each answering with JSON on its last line of output.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's python3-torch is installed for the system interpreter (a pyenv python3 on PATH would not see it). */
const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const benchDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** The JSON value on the last line of a process's output. */
export function lastJson<T>(out: string): T {
  return JSON.parse(out.trim().split('\n').pop() as string) as T;
}

/**
 * The bench at `scriptUrl` (its import.meta.url) run again with `args` in a child process with this process's
 * Node flags (tsx's loader); its stderr passes through. Returns what it printed.
 */
export function runBenchChild(scriptUrl: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(process.execPath, [...process.execArgv, fileURLToPath(scriptUrl), ...args], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
}

/** runBenchChild's measurement: the JSON on the last line it printed. */
export function measureInChild<T>(scriptUrl: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): T {
  return lastJson(runBenchChild(scriptUrl, args, env));
}

/** The environment that holds a PyTorch peer's OpenMP and BLAS pools to `threads` threads. */
export function torchThreadEnv(threads: number): NodeJS.ProcessEnv {
  return { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
}

/** A Python peer of the benches (`script`, a file of bench/engine) run with `args`: the JSON on its last line. */
export function runPythonPeer<T>(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): T {
  return lastJson(execFileSync(python, [join(benchDir, script), ...args], { encoding: 'utf8', env, maxBuffer: 1 << 24 }));
}
