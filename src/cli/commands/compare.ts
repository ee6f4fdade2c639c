/** `apprentice compare`: is run B better than run A on the same examples? */
import { Command } from 'commander';
import { common, outputOptions } from '../commonOptions.js';
import { percent } from '../format.js';
import { defineCommand } from '../command.js';

const compareOptions = {
  seed: { ...common.seed, help: 'bootstrap seed' },
  json: { ...outputOptions.json, help: 'print JSON' },
};

export function registerCompare(program: Command): void {
  defineCommand(program, {
    name: 'compare',
    description: 'paired comparison of two runs on the same examples (McNemar and paired bootstrap)',
    arguments: [['<runA>', 'run folder A'], ['<runB>', 'run folder B']],
    options: compareOptions,
    examples: ['apprentice compare runs/zero-shot runs/cot', 'apprentice compare runs/a runs/b --seed 1 --json'],
    action: async (options, runA: string, runB: string) => {
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
    },
  });
}
