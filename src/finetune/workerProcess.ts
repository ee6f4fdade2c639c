/**
 * Starts a job's worker (worker.ts) as a child process and relays its messages. From the TypeScript sources
 * (tests, `tsx`) the worker runs through tsx's loader; from the build, as the compiled worker.js.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TrainingPlan } from './types.js';
import type { WorkerMessage } from './worker.js';

export interface WorkerHandle {
  /** Resolves when the process has ended: with the code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ends the worker (SIGKILL: its state on disk is only ever replaced atomically). */
  kill(): void;
}

export function startWorker(plan: TrainingPlan, onMessage: (message: WorkerMessage) => void): WorkerHandle {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url));
  const child: ChildProcess = fork(script, ['--apprentice-fine-tuning-worker'], {
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  child.on('message', (message) => onMessage(message as WorkerMessage));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: 1, signal: null }));
  });
  child.send(plan);
  return { exited, kill: () => void child.kill('SIGKILL') };
}
