/**
 * The sweep's students in child processes, so that several train and answer at once (SweepConfig.pool): ONNX
 * Runtime runs a training step on the calling thread, so two students in one process would take turns, never
 * overlap. Each student runs in a process of its own while it runs (cellWorker.ts: `runCell`, exactly as
 * in-process; a process runs its next cell when one ends), which gives it its own CPU accounting (a cell's
 * cpuSeconds are its process's own, never shared with another student running at the same time) and isolation: a
 * student that fails or crashes takes no other down; what it finished is on disk (result.json, the resumable
 * training state, the answers so far) and a rerun resumes it.
 *
 * From the TypeScript sources (tests, `tsx`) the child runs through tsx's loader; from the build, as cellWorker.js.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InputError } from '../util/errors.js';
import { addChildCpu } from '../util/processTreeCpu.js';
import type { SweepMethod } from './methods.js';
import type { CellResult } from './sweepResults.js';

/** The flag that makes a process started with cellWorker.ts run one cell. */
export const CELL_WORKER_FLAG = '--apprentice-sweep-cell';

/**
 * What a child is asked to run: the sweep's settings (sweep.ts's SweepConfig less its log, which stays here; not
 * named here, so that this module and sweep.ts do not import each other) and one cell.
 */
export interface CellJob<Config = unknown> {
  config: Config;
  method: SweepMethod;
  fraction: number;
  seed: number;
}

/** What a child reports: log lines, then the cell's result or error, with the CPU its process has used so far. */
export type CellWorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'result'; cell: CellResult; cpu: NodeJS.CpuUsage }
  | { type: 'error'; name: string; message: string; cpu: NodeJS.CpuUsage };

/** A student that failed in its own process; `cell` names it. */
export class CellFailedError extends Error {
  override name = 'CellFailedError';
  constructor(
    readonly cell: string,
    message: string,
  ) {
    super(message);
  }
}

export function cellName(method: SweepMethod, fraction: number, seed: number): string {
  return `${method}, fraction ${fraction}, seed ${seed}`;
}

/** One child process running cells one after the other (so its start-up and engine loading are paid once). */
class CellProcess {
  private readonly child: ChildProcess;
  /** Its CPU reported so far (cumulative): what it reports next is added as the difference. */
  private reportedMicros = 0;
  private current: { name: string; log: (line: string) => void; resolve: (cell: CellResult) => void; reject: (error: Error) => void } | undefined;
  private ended: string | undefined;

  constructor() {
    const fromSource = import.meta.url.endsWith('.ts');
    const script = fileURLToPath(new URL(fromSource ? './cellWorker.ts' : './cellWorker.js', import.meta.url));
    this.child = fork(script, [CELL_WORKER_FLAG], {
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // Structured clone: the sweep's records go as they are (no JSON round trip of undefined fields).
      serialization: 'advanced',
    });
    this.child.on('message', (message: CellWorkerMessage) => this.received(message));
    this.child.on('error', (error) => this.stopped(`could not run its process: ${error.message}`));
    this.child.on('exit', (code, signal) => this.stopped(`its process ended (${signal ?? `exit code ${code}`}) without a result`));
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  run(job: CellJob, log: (line: string) => void): Promise<CellResult> {
    const name = cellName(job.method, job.fraction, job.seed);
    return new Promise<CellResult>((resolve, reject) => {
      this.current = { name, log, resolve, reject };
      this.child.send(job);
    });
  }

  close(): void {
    if (this.alive && this.child.connected) this.child.disconnect();
  }

  private received(message: CellWorkerMessage): void {
    const current = this.current;
    if (message.type === 'log') return current?.log(message.line);
    const micros = message.cpu.user + message.cpu.system;
    addChildCpu({ user: micros - this.reportedMicros, system: 0 });
    this.reportedMicros = micros;
    if (!current) return;
    this.current = undefined;
    if (message.type === 'result') return current.resolve(message.cell);
    const text = `student ${current.name} failed: ${message.message}`;
    // The user's input was at fault (e.g. a cell folder run with other inputs): still an input error.
    current.reject(message.name === 'InputError' ? new InputError(text) : new CellFailedError(current.name, text));
  }

  private stopped(why: string): void {
    this.ended ??= why;
    const current = this.current;
    this.current = undefined;
    current?.reject(new CellFailedError(current.name, `student ${current.name}: ${why}; what it finished is kept and a rerun resumes it`));
  }
}

/**
 * Child processes for the cells of one sweep: `run` hands a cell to an idle process or starts one (the caller
 * bounds how many run at once); `close` ends them.
 */
export class CellProcesses {
  private readonly processes: CellProcess[] = [];

  run(job: CellJob, log: (line: string) => void): Promise<CellResult> {
    let process = this.processes.find((p) => p.alive && !p.busy);
    if (!process) {
      process = new CellProcess();
      this.processes.push(process);
    }
    return process.run(job, log);
  }

  close(): void {
    for (const process of this.processes) process.close();
  }
}
