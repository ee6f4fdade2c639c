/**
 * Where the quickstart's time goes: runs `runQuickstart` (the default scale, or it with overrides) and prints,
 * per student, wall and CPU seconds of training and of answering the test, then the totals and the machine's load
 * average before and after. CPU seconds count every thread of the process, so on a busy machine they say what the
 * run costs where wall time does not: on two idle cores a run takes about its CPU seconds / 2 (the engine's
 * kernels and llama.cpp use both) plus its single-threaded parts.
 *
 *   npx tsx bench/quickstart-budget.ts --out /tmp/qs [--scale default|tiny] [--set '{"seeds":[0]}']
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { QUICKSTART_SCALES, runQuickstart, type QuickstartScale } from '../src/distill/quickstart.js';
import { cpuSecondsSince } from '../src/distill/sweep.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, scale: { type: 'string', default: 'default' }, set: { type: 'string' } },
});
if (!values.out) throw new Error('--out <folder> is required');
const scaleName = values.scale as 'default' | 'tiny';
const base = QUICKSTART_SCALES[scaleName];
if (!base) throw new Error(`--scale: default or tiny, not ${values.scale}`);
const scale: QuickstartScale = { ...base, ...(values.set ? (JSON.parse(values.set) as Partial<QuickstartScale>) : {}) };

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const loadBefore = load();
const cpu = process.cpuUsage();
const result = await runQuickstart({ out: values.out, scale, scaleName, log: (line) => process.stderr.write(line + '\n') });
const cpuTotal = cpuSecondsSince(cpu);

const rows = result.sweep.cells.map((cell) => ({
  method: cell.method,
  seed: cell.seed,
  inputs: cell.inputs,
  rows: cell.rows,
  accuracy: Number((100 * cell.accuracy).toFixed(1)),
  bestStep: cell.training.bestStep,
  trainWall: Number(cell.training.trainSeconds.toFixed(1)),
  trainCpu: Number((cell.training.cpuSeconds ?? NaN).toFixed(1)),
  evalWall: Number(cell.evalSeconds.toFixed(1)),
  evalCpu: Number((cell.evalCpuSeconds ?? NaN).toFixed(1)),
}));
console.table(rows);
const sum = (key: 'trainWall' | 'trainCpu' | 'evalWall' | 'evalCpu') => rows.reduce((total, row) => total + row[key], 0).toFixed(0);
console.log(`students: train ${sum('trainWall')} s wall / ${sum('trainCpu')} s CPU; eval ${sum('evalWall')} s wall / ${sum('evalCpu')} s CPU`);
console.log(`whole run: ${result.wallSeconds.toFixed(0)} s wall, ${cpuTotal.toFixed(0)} s CPU; load average before ${loadBefore}, after ${load()}`);
for (const line of result.report.verdict) console.log(line);
