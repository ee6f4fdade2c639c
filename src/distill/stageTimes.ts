/**
 * Where a run's compute goes, stage by stage, in CPU seconds: what a stage costs whatever else the machine runs.
 * Wall time on a shared machine measures the other jobs as much as this one, so a run states its CPU seconds and,
 * for an idle machine it was not run on, only what follows from them: on `cores` idle cores the run takes at least
 * CPU / cores (every core busy with it throughout) and, for work that never waits on disk or network, at most its CPU
 * seconds (one core at a time) — bounds, not a measurement.
 */
import { treeCpuMark, treeCpuSecondsSince } from '../util/processTreeCpu.js';

/** CPU and wall time of one stage of a run. */
export interface StageTime {
  stage: string;
  cpuSeconds: number;
  wallSeconds: number;
}

export class StageClock {
  private readonly times: StageTime[] = [];

  /** Runs one stage and records its CPU (this process's and its children's) and wall seconds (also when it throws). */
  async measure<T>(stage: string, run: () => Promise<T> | T): Promise<T> {
    const cpu = treeCpuMark();
    const wall = performance.now();
    try {
      return await run();
    } finally {
      this.times.push({ stage, cpuSeconds: treeCpuSecondsSince(cpu), wallSeconds: (performance.now() - wall) / 1000 });
    }
  }

  stages(): StageTime[] {
    return this.times.map((time) => ({ ...time }));
  }
}

/** What CPU seconds imply for the wall time on `cores` idle cores: a range, never a measured time. */
export function idleWallRange(cpuSeconds: number, cores: number): { cores: number; atLeastSeconds: number; atMostSeconds: number } {
  if (!(cores >= 1 && Number.isInteger(cores))) throw new RangeError(`cores must be a positive integer, got ${cores}`);
  return { cores, atLeastSeconds: cpuSeconds / cores, atMostSeconds: cpuSeconds };
}

/** "4 min 28 s" (or "12 s"). */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** The lines a run prints about its compute: stages, total and the idle range, each labelled for what it is. */
export function computeLines(stages: readonly StageTime[], total: { cpuSeconds: number; wallSeconds: number }, cores = 2): string[] {
  const range = idleWallRange(total.cpuSeconds, cores);
  const width = Math.max(...stages.map((s) => s.stage.length), 5);
  return [
    `Compute (CPU seconds of this process and of its student processes, every thread; measured):`,
    ...stages.map((s) => `  ${s.stage.padEnd(width)}  ${s.cpuSeconds.toFixed(0).padStart(5)} s CPU  (${formatDuration(s.wallSeconds)} wall here)`),
    `  ${'total'.padEnd(width)}  ${total.cpuSeconds.toFixed(0).padStart(5)} s CPU  (${formatDuration(total.wallSeconds)} wall here, on this machine as loaded)`,
    `On ${cores} idle cores this would take between ${formatDuration(range.atLeastSeconds)} (both cores busy throughout) and ` +
      `${formatDuration(range.atMostSeconds)} (one core at a time): a range from the CPU seconds, not a measured idle time.`,
  ];
}
