/** What the engine benches read of the process and the machine around a measurement. */
import { loadavg } from 'node:os';

/** CPU seconds this process has used (user + system, every thread). */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The machine's 1, 5 and 15 minute load averages (how busy the shared machine was around a measurement). */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}
