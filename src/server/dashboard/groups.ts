/** Which grimoire evaluation, distillation sweep or cascade holds a run: the deepest one whose folder contains the run's folder. */
import type { CascadeListing, DistillSweepListing, GrimoireEvalListing, GroupRef, RunListing } from './api.js';

export function withGroups(
  runs: readonly RunListing[],
  grimoireEvals: readonly GrimoireEvalListing[],
  sweeps: readonly DistillSweepListing[],
  cascades: readonly CascadeListing[] = [],
): RunListing[] {
  const groups: GroupRef[] = [
    ...grimoireEvals.map((g) => ({ kind: 'grimoire' as const, id: g.id })),
    ...sweeps.map((s) => ({ kind: 'distill' as const, id: s.id })),
    ...cascades.map((c) => ({ kind: 'cascade' as const, id: c.id })),
  ].sort((a, b) => b.id.length - a.id.length);
  const contains = (group: string, run: string) => group === '.' || run.startsWith(`${group}/`);
  return runs.map((run) => ({ ...run, group: groups.find((group) => group.id !== run.id && contains(group.id, run.id)) ?? null }));
}
