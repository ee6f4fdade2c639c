/**
 * CPU time of this process and of the child processes it ran to completion. `process.cpuUsage()` counts this
 * process's threads only: work handed to a child (the sweep's student pool, cellPool.ts) would vanish from a run's
 * CPU seconds. Each child reports its own usage when it ends; this module adds them up.
 */

let childMicros = 0;

/** Adds what a finished child process used (its own `process.cpuUsage()` at its end). */
export function addChildCpu(usage: NodeJS.CpuUsage): void {
  childMicros += usage.user + usage.system;
}

/** A reading of this process's and its finished children's CPU, to pass to {@link treeCpuSecondsSince}. */
export interface TreeCpuMark {
  own: NodeJS.CpuUsage;
  children: number;
}

export function treeCpuMark(): TreeCpuMark {
  return { own: process.cpuUsage(), children: childMicros };
}

/** User + system CPU seconds of this process (every thread) and of the children that ended since `start`. */
export function treeCpuSecondsSince(start: TreeCpuMark): number {
  const own = process.cpuUsage(start.own);
  return (own.user + own.system + childMicros - start.children) / 1e6;
}
