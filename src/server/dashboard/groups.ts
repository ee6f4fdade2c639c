/** Which grimoire evaluation or distillation sweep holds a run: the deepest one whose folder contains the run's folder. */
import type { DistillSweepListing, GrimoireEvalListing, GroupRef, RunListing } from './api.js';

export function withGroups(runs: readonly RunListing[], grimoireEvals: readonly GrimoireEvalListing[], sweeps: readonly DistillSweepListing[]): RunListing[] {
  const groups: GroupRef[] = [
    ...grimoireEvals.map((g) => ({ kind: 'grimoire' as const, id: g.id })),
    ...sweeps.map((s) => ({ kind: 'distill' as const, id: s.id })),
  ].sort((a, b) => b.id.length - a.id.length);
  const contains = (group: string, run: string) => group === '.' || run.startsWith(`${group}/`);
  return runs.map((run) => ({ ...run, group: groups.find((group) => group.id !== run.id && contains(group.id, run.id)) ?? null }));
}
