/** `apprentice compare`: is run B better than run A on the same examples? */
import { Command } from 'commander';
import { common, outputOptions } from '../commonOptions.js';
import { percent } from '../format.js';
import { withExamples } from '../help.js';
import { addOptions, parseOptions } from '../options.js';

const compareOptions = {
  seed: { ...common.seed, help: 'bootstrap seed' },
  json: { ...outputOptions.json, help: 'print JSON' },
};

export function registerCompare(program: Command): void {
  const command = program
    .command('compare')
    .description('paired comparison of two runs on the same examples (McNemar and paired bootstrap)')
    .argument('<runA>', 'run folder A')
    .argument('<runB>', 'run folder B');
  withExamples(addOptions(command, compareOptions), ['apprentice compare runs/zero-shot runs/cot', 'apprentice compare runs/a runs/b --seed 1 --json'])
    .action(async (runA: string, runB: string, raw: Record<string, unknown>) => {
      const options = parseOptions(compareOptions, raw);
      const { compareRuns } = await import('../../eval/compare.js');
      const result = compareRuns(runA, runB, options.seed);
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
          `B - A            ${percent(d.mean)}  95% CI [${percent(d.ci95[0])}, ${percent(d.ci95[1])}]  paired bootstrap p=${d.pValue.toFixed(4)}`,
          `McNemar          only A right ${result.mcnemar.onlyA}, only B right ${result.mcnemar.onlyB}, p=${result.mcnemar.pValue.toFixed(4)}`,
        );
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
