/**
 * Builds examples/svamp-palm/ (committed) from ../shared/datasets: the SVAMP test split and the
 * chain-of-thought answers PaLM 540B gave to it, as `--predictions` for `apprentice eval`.
 *
 *   npx tsx scripts/make-quickstart-example.ts
 *
 * PaLM's completions were sampled under a few-shot prompt without a stop string, so each runs on
 * into an invented next question; we cut it at the first "\n\nQ:", as a stop string would have.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, '..', 'shared', 'datasets', 'svamp');
const out = join(root, 'examples', 'svamp-palm');
const STOP = '\n\nQ:';

mkdirSync(out, { recursive: true });
copyFileSync(join(source, 'svamp_test.json'), join(out, 'svamp_test.json'));
const completions = JSON.parse(readFileSync(join(source, 'teacher-palm-540b', 'test_CoT_0.json'), 'utf8')) as string[];
const lines = completions.map((completion, index) => {
  const cut = completion.indexOf(STOP);
  return JSON.stringify({ index, output: cut >= 0 ? completion.slice(0, cut) : completion });
});
writeFileSync(join(out, 'palm-540b-cot.predictions.jsonl'), lines.join('\n') + '\n');
console.log(`wrote ${completions.length} predictions to ${out}`);
