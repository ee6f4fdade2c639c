/** `apprentice compare`: is run B better than run A on the same examples? */
import { Command } from 'commander';
import type { RunComparison } from '../../eval/compare.js';
import { common, outputOptions } from '../commonOptions.js';
import { percent } from '../format.js';
import { defineCommand } from '../command.js';
import * as z from '../../util/zod.js';
import { option } from '../options.js';
import { junitOption, reportGate, writeJUnit } from '../ciOutput.js';
import { formatPStatement } from '../../util/numberFormat.js';

const compareOptions = {
  seed: { ...common.seed, help: 'bootstrap seed' },
  json: { ...outputOptions.json, help: 'print JSON' },
  failOnRegression: option(
    '--fail-on-regression',
    'CI gate: exit 5 when B is significantly worse than A (paired bootstrap, see --alpha)',
    z.boolean().optional(),
  ),
  alpha: option('--alpha <p>', 'significance level of --fail-on-regression', z.coerce.number().gt(0).lt(1), { default: '0.05' }),
  junit: junitOption,
};

export function registerCompare(program: Command): void {
  defineCommand(program, {
    name: 'compare',
    description: 'paired comparison of two runs on the same examples (McNemar and paired bootstrap)',
    arguments: [
      ['<runA>', 'run folder A'],
      ['<runB>', 'run folder B'],
    ],
    options: compareOptions,
    examples: [
      'apprentice compare runs/zero-shot runs/cot',
      'apprentice compare runs/a runs/b --seed 1 --json',
      'apprentice compare runs/main runs/candidate --fail-on-regression --alpha 0.05 --junit compare.xml',
    ],
    action: async (options, runA: string, runB: string) => {
      const { compareRuns } = await import('../../eval/compare.js');
      const result = await compareRuns(runA, runB, options.seed);
      await applyCiOutputs(result, options.failOnRegression ?? false, options.alpha, options.junit);
      if (options.json) {
        process.stdout.write(JSON.stringify(result) + '\n');
        return;
      }
      const lines = [
        `paired examples  ${result.paired}${result.unpaired ? ` (${result.unpaired} unpaired, ignored)` : ''}`,
        `accuracy A       ${percent(result.accuracyA)}   ${runA}`,
        `accuracy B       ${percent(result.accuracyB)}   ${runB}`,
      ];
      if (result.difference && result.mcnemar) {
        const d = result.difference;
        lines.push(
          `B - A            ${percent(d.mean)}  95% CI [${percent(d.ci95[0])}, ${percent(d.ci95[1])}]  paired bootstrap ${formatPStatement(d.pValue)}`,
          `McNemar          only A right ${result.mcnemar.onlyA}, only B right ${result.mcnemar.onlyB}, ${formatPStatement(result.mcnemar.pValue)}`,
        );
      }
      process.stdout.write(lines.join('\n') + '\n');
    },
  });
}

async function applyCiOutputs(result: RunComparison, failOnRegression: boolean, alpha: number, junit: string | undefined): Promise<void> {
  if (!failOnRegression && junit === undefined) return;
  const { regressionGate } = await import('../../eval/gates.js');
  const gate = regressionGate(result, alpha);
  if (failOnRegression) reportGate(gate);
  if (junit === undefined) return;
  const { gateCase } = await import('../../report/junit.js');
  await writeJUnit(junit, [
    {
      name: 'apprentice compare',
      cases: [gateCase(gate, 'compare')],
      properties: { runA: result.runA, runB: result.runB, paired: result.paired, accuracyA: result.accuracyA ?? 'none', accuracyB: result.accuracyB ?? 'none' },
    },
  ]);
}
