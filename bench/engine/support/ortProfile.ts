/** ONNX Runtime's per-node profile (session option enableProfiling), read back and summed, for the engine benches. */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** One kernel's run in the profile. */
export interface KernelEvent {
  op: string;
  node: string;
  us: number;
  inputShapes: unknown;
}

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: unknown };
}

/**
 * The kernel events, in run order, of the profile ORT wrote under `prefix` (the session's profileFilePrefix or
 * APPRENTICE_ORT_PROFILE), which is then deleted. onnxruntime-node's endProfiling() returns no file name: ORT
 * names it `<prefix>_<date>.json`, and the newest such file is the one read.
 */
export function takeKernelEvents(prefix: string): KernelEvent[] {
  return takeProfile(prefix).kernels;
}

/** The kernel events and, per run of the graph, ORT's own `model_run` time in microseconds (see takeKernelEvents). */
export function takeProfile(prefix: string): { kernels: KernelEvent[]; modelRunsUs: number[] } {
  const dir = dirname(prefix);
  const name = basename(prefix);
  const file = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}_`) && f.endsWith('.json'))
    .sort()
    .pop();
  if (!file) throw new Error(`ONNX Runtime wrote no profile ${prefix}_*.json`);
  const path = join(dir, file);
  const events = JSON.parse(readFileSync(path, 'utf8')) as ProfileEvent[];
  rmSync(path, { force: true });
  const kernels = events
    .filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))
    .map((e) => ({ op: e.args?.op_name ?? '?', node: e.name.replace(/_kernel_time$/, ''), us: e.dur, inputShapes: e.args?.input_type_shape ?? [] }));
  const modelRunsUs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.dur);
  return { kernels, modelRunsUs };
}

/** Kernel time by op type, heaviest first: per run when the events cover `runs` runs of the graph. */
export function timeByOp(events: readonly KernelEvent[], runs = 1): Array<{ op: string; us: number; nodes: number; share: number }> {
  const byOp = new Map<string, { us: number; count: number }>();
  let total = 0;
  for (const e of events) {
    const o = byOp.get(e.op) ?? { us: 0, count: 0 };
    o.us += e.us;
    o.count += 1;
    byOp.set(e.op, o);
    total += e.us;
  }
  return [...byOp].map(([op, { us, count }]) => ({ op, us: us / runs, nodes: Math.round(count / runs), share: us / total })).sort((a, b) => b.us - a.us);
}

/** Kernel time by graph node, heaviest first, with its op type and input shapes: per run over `runs` runs. */
export function timeByNode(events: readonly KernelEvent[], runs = 1): Array<{ node: string; op: string; inputShapes: unknown; us: number }> {
  const byNode = new Map<string, { node: string; op: string; inputShapes: unknown; us: number }>();
  for (const e of events) {
    const n = byNode.get(e.node) ?? { node: e.node, op: e.op, inputShapes: e.inputShapes, us: 0 };
    n.us += e.us / runs;
    byNode.set(e.node, n);
  }
  return [...byNode.values()].sort((a, b) => b.us - a.us);
}
