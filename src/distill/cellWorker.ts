/**
 * A child process of the sweep's student pool (started by cellPool.ts): for each cell it is sent, trains, selects
 * and evaluates the student with `runCell`, exactly as the sweep does in-process, and reports its log lines, its
 * result (or error) and the CPU its process has used to the parent over IPC. It ends when its parent disconnects
 * or goes away.
 */
import { ModelHub } from '../models/hub.js';
import { CELL_WORKER_FLAG, type CellJob, type CellWorkerMessage } from './cellPool.js';
import { runCell, type SweepConfig } from './sweep.js';

type SweepCellJob = CellJob<Omit<SweepConfig, 'log'>>;

async function runJob(hub: ModelHub, job: SweepCellJob): Promise<CellWorkerMessage> {
  try {
    const log = (line: string) => void process.send?.({ type: 'log', line } satisfies CellWorkerMessage);
    const cell = await runCell({ ...job.config, log }, hub, job.method, job.fraction, job.seed);
    return { type: 'result', cell, cpu: process.cpuUsage() };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    return { type: 'error', name, message, cpu: process.cpuUsage() };
  }
}

if (process.send !== undefined && process.argv.includes(CELL_WORKER_FLAG)) {
  const hub = new ModelHub({ cachePath: 'none' });
  // One cell at a time: the parent sends the next when this one has reported.
  let busy = false;
  process.on('message', (job: SweepCellJob) => {
    busy = true;
    void runJob(hub, job).then((message) => {
      busy = false;
      process.send?.(message);
    });
  });
  // The parent disconnects when the sweep is done. Gone while a cell runs (killed): stop at once, leave no student
  // training behind; what it finished is on disk and the next run resumes it.
  process.on('disconnect', () => {
    if (busy) process.exit(1);
    void hub.close().finally(() => process.exit(0));
  });
}
